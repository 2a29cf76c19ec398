import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

describe("already-expired tokens", () => {
  it.scoped("section 11: /auth/token issuing expired tokens: bounded retries, then TokenRequestFailed (ExpiredToken)", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 10_000, fault: Fault.ExpiredToken() })
      yield* fake.injectFault({ path: "/auth/refresh", times: 10_000, fault: Fault.ExpiredToken() })
      const caller = yield* Effect.fork(Effect.flip(auth.accessToken))
      yield* TestClock.adjust("31 seconds")
      const error = yield* Fiber.join(caller)
      assert.strictEqual(error._tag, "TokenRequestFailed")
      if (error._tag === "TokenRequestFailed") assert.strictEqual(error.reason, "ExpiredToken")
      const counters = yield* fake.counters
      assert.isAtMost(counters.tokenRequests + counters.refreshRequests, 12)
      // No caller ever got the expired token, and nothing keeps asking in the background.
      yield* TestClock.adjust("10 minutes")
      yield* settle
      const later = yield* fake.counters
      assert.strictEqual(later.tokenRequests + later.refreshRequests, counters.tokenRequests + counters.refreshRequests)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("section 11: /auth/refresh issuing expired tokens: no tight loop, the valid token is served meanwhile", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* fake.injectFault({ path: "/auth/refresh", times: 10_000, fault: Fault.ExpiredToken() })
      yield* TestClock.adjust("55 minutes")
      for (let i = 0; i < 240; i++) {
        yield* settle
        assert.strictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(first))
        yield* TestClock.adjust("1 second")
      }
      // 4 minutes of a server that only issues expired tokens: rounds of bounded retries (L7) spaced
      // by a growing backoff, far from a tight loop. The most it can be is when every random draw
      // is 0 (shortest delays): rounds of 11 attempts (delays 0.125, 0.25, ... 4, then 5 s until
      // 30 s), 7 of them in 240 s with 0.5, 1, 2, 4, 8 and 16 s between rounds: 77.
      const counters = yield* fake.counters
      assert.isAtLeast(counters.refreshRequests, 4)
      assert.isAtMost(counters.refreshRequests, 77)
      yield* fake.clearFaults
      yield* TestClock.adjust("61 seconds")
      yield* settle
      assert.notStrictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(first))
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("section 11: a token shorter than the refresh margin is refreshed after a backoff, not in a loop", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* auth.accessToken
      yield* TestClock.adjust("1 minute")
      yield* settle
      // Each token lives 2 minutes, inside the 5-minute margin: refreshes are spaced by the backoff.
      const counters = yield* fake.counters
      assert.isAtMost(counters.refreshRequests, 20)
      assert.strictEqual(counters.tokenRequests, 1)
      yield* auth.accessToken
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }, { accessTokenLifetime: "2 minutes" }))))
})
