import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

describe("stale-while-revalidate", () => {
  it.scoped("L5: inside the margin callers get the current token at once while the refresh runs", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Delay({ duration: "8 seconds" }) })
      yield* TestClock.adjust("55 minutes")
      yield* settle
      // The refresh is in flight (its answer is 8 s away): a caller is served now, not then.
      const caller = yield* Effect.fork(auth.accessToken)
      yield* settle
      const served = caller.unsafePoll()
      assert.isNotNull(served)
      const token = yield* Fiber.join(caller)
      assert.strictEqual(Redacted.value(token), Redacted.value(first))
      yield* TestClock.adjust("8 seconds")
      yield* settle
      assert.strictEqual((yield* fake.counters).refreshRequests, 1)
      const next = yield* auth.accessToken
      assert.notStrictEqual(Redacted.value(next), Redacted.value(first))
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L5: only an expired token makes callers wait", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* auth.accessToken
      yield* fake.injectFault({ path: "/auth/refresh", times: 1_000, fault: Fault.Status({ status: 503 }) })
      yield* TestClock.adjust("60 minutes")
      yield* settle
      yield* fake.clearFaults
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Delay({ duration: "3 seconds" }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* settle
      assert.isNull(caller.unsafePoll())
      yield* TestClock.adjust("3 seconds")
      const token = yield* Fiber.join(caller)
      const issued = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
      assert.strictEqual(Redacted.value(token), issued[issued.length - 1].accessToken)
    }).pipe(Effect.provide(authOnFake({ jitter: 0, retry: { maxElapsed: "5 seconds" } }))))
})
