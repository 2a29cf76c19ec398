import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

const tokenAt = (path: string) =>
  Effect.gen(function*() {
    const fake = yield* MontaFake
    const journal = yield* fake.journal
    return journal.filter((entry) => entry.path === path).map((entry) => entry.at)
  })

describe("transient failures", () => {
  it.scoped("L7: a 5xx burst on /auth/token is retried with growing backoff until it succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 4, fault: Fault.Status({ status: 503 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("20 seconds")
      const token = yield* Fiber.join(caller)
      const issued = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
      assert.strictEqual(Redacted.value(token), issued[0].accessToken)
      const at = yield* tokenAt("/auth/token")
      assert.strictEqual(at.length, 5)
      const gaps = at.slice(1).map((time, i) => time - at[i])
      // baseDelay 250 ms doubling, each delay jittered within its upper half.
      gaps.forEach((gap, i) => {
        assert.isAtLeast(gap, 125 * 2 ** i)
        assert.isAtMost(gap, 250 * 2 ** i)
      })
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L7: a 5xx burst on /auth/refresh: the old token is served while valid, the refresh retried", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* fake.injectFault({ path: "/auth/refresh", times: 6, fault: Fault.Status({ status: 502 }) })
      yield* TestClock.adjust("55 minutes")
      // Six failures take at least 0.125 + 0.25 + ... + 4 = 7.875 s of backoff (every random draw
      // 0), so for the first 7 s the refresh is still failing and callers get the old token.
      for (let i = 0; i < 7; i++) {
        yield* settle
        assert.strictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(first))
        yield* TestClock.adjust("1 second")
      }
      yield* TestClock.adjust("1 minute")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 7)
      assert.strictEqual(counters.tokenRequests, 1)
      assert.notStrictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(first))
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L7: dropped connections are retried", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 2, fault: Fault.Drop() })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(caller)
      const counters = yield* fake.counters
      assert.strictEqual(counters.dropped, 2)
      assert.strictEqual(counters.tokenRequests, 3)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L7: a response slower than requestTimeout is a timeout, retried", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Delay({ duration: "1 minute" }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("2 seconds")
      yield* settle
      assert.isNull(caller.unsafePoll())
      yield* TestClock.adjust("2 seconds")
      const token = yield* Fiber.join(caller)
      assert.isTrue(Redacted.value(token).length > 0)
      const at = yield* tokenAt("/auth/token")
      assert.isAtMost(at[at.length - 1], 4_000)
    }).pipe(Effect.provide(authOnFake({ requestTimeout: "2 seconds" }))))

  it.scoped("L7: 429 with Retry-After waits at least that long before the next attempt", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 429, retryAfter: 7 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("6900 millis")
      yield* settle
      assert.isNull(caller.unsafePoll())
      yield* TestClock.adjust("100 millis")
      yield* Fiber.join(caller)
      const at = yield* tokenAt("/auth/token")
      assert.deepStrictEqual(at, [0, 7_000])
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L7: 429 with RateLimit-ResetsIn waits at least that long before the next attempt", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 429, rateLimitResetsIn: 12 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("12 seconds")
      yield* Fiber.join(caller)
      const at = yield* tokenAt("/auth/token")
      assert.deepStrictEqual(at, [0, 12_000])
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L7: retries are bounded by retry.maxElapsed, then TokenRequestFailed says why and how often", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 1_000, fault: Fault.Status({ status: 500 }) })
      const caller = yield* Effect.fork(Effect.exit(auth.accessToken))
      yield* TestClock.adjust("31 seconds")
      const exit = yield* Fiber.join(caller)
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        const error = exit.cause.error
        assert.strictEqual(error._tag, "TokenRequestFailed")
        if (error._tag === "TokenRequestFailed") {
          assert.strictEqual(error.endpoint, "/auth/token")
          assert.strictEqual(error.reason, "Status")
          assert.strictEqual(error.status, 500)
          assert.strictEqual(error.attempts, (yield* fake.counters).tokenRequests)
          assert.isAbove(error.attempts, 3)
        }
      } else {
        assert.fail("expected a typed failure")
      }
      const at = yield* tokenAt("/auth/token")
      assert.isAtMost(at[at.length - 1], 30_000)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L7: a 4xx other than 400/401/403 is not retried", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 404 }) })
      const error = yield* Effect.flip(auth.accessToken)
      assert.strictEqual(error._tag, "TokenRequestFailed")
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(authOnFake())))
})
