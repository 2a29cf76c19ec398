import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

describe("single flight", () => {
  it.scoped("L3: 10 000 concurrent callers share one /auth/token request", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const tokens = yield* Effect.all(Array.from({ length: 10_000 }, () => auth.accessToken), {
        concurrency: "unbounded"
      })
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
      assert.strictEqual(new Set(tokens.map(Redacted.value)).size, 1)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L3: 10 000 callers at expiry share one request to the token endpoints", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const held = yield* auth.current
      // No margin and no jitter: the proactive refresh wakes only at expiry, and 500 ms before it
      // the token is already expired for callers (1 s skew), so all 10 000 find it expired.
      yield* TestClock.setTime(held.expiresAt - 500)
      yield* fake.resetJournal
      const tokens = yield* Effect.all(Array.from({ length: 10_000 }, () => auth.accessToken), {
        concurrency: "unbounded"
      })
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests + counters.refreshRequests, 1)
      assert.strictEqual(new Set(tokens.map(Redacted.value)).size, 1)
      assert.notStrictEqual(Redacted.value(tokens[0]), Redacted.value(held.accessToken))
    }).pipe(Effect.provide(authOnFake({ jitter: 0, refreshMargin: 0 }))))

  it.scoped("L3: an interrupted caller does not cancel the acquisition the others wait for", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Delay({ duration: "2 seconds" }) })
      const first = yield* Effect.fork(auth.accessToken)
      yield* settle
      const second = yield* Effect.fork(auth.accessToken)
      yield* settle
      yield* Fiber.interrupt(first)
      yield* TestClock.adjust("2 seconds")
      const token = yield* Fiber.join(second)
      const issued = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
      assert.strictEqual(Redacted.value(token), issued[0].accessToken)
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(authOnFake())))
})
