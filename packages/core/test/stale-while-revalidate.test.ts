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

  // With no refresh margin the proactive refresh wakes only at expiry, so the token is already
  // invalid (1 s skew) when this caller comes: it must wait for the rotation. Every time here is
  // exact (no backoff, no jitter), so the test does not depend on Random.
  it.scoped("L5: only an expired token makes callers wait", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const held = yield* auth.current
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Delay({ duration: "3 seconds" }) })
      yield* TestClock.setTime(held.expiresAt - 500)
      const caller = yield* Effect.fork(auth.accessToken)
      yield* settle
      assert.isNull(caller.unsafePoll())
      yield* TestClock.adjust("3 seconds")
      const token = yield* Fiber.join(caller)
      assert.notStrictEqual(Redacted.value(token), Redacted.value(held.accessToken))
      const issued = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
      assert.strictEqual(Redacted.value(token), issued[issued.length - 1].accessToken)
      assert.strictEqual((yield* fake.counters).refreshRequests, 1)
    }).pipe(Effect.provide(authOnFake({ jitter: 0, refreshMargin: 0 }))))
})
