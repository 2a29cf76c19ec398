import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

describe("events", () => {
  it.scoped("L12: events reports acquisition, refresh, failures with their retry delay, invalidation and fallback", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const events: Array<AuthEvent> = []
      yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
      yield* settle
      const first = yield* auth.current
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Status({ status: 503, retryAfter: 3 }) })
      yield* TestClock.adjust("55 minutes")
      yield* settle
      yield* TestClock.adjust("3 seconds")
      yield* settle
      const refreshed = yield* auth.current
      yield* auth.invalidate()
      const issued = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
      yield* fake.revokeRefreshToken(issued[issued.length - 1].refreshToken)
      yield* auth.accessToken
      yield* settle
      assert.deepStrictEqual(events.map((event) => event._tag), [
        "Acquired",
        "RefreshFailed",
        "Refreshed",
        "Invalidated",
        "FellBack",
        "Acquired"
      ])
      const [acquired, failed, refreshedEvent, invalidated] = events
      assert.deepStrictEqual(acquired, { _tag: "Acquired", expiresAt: first.expiresAt, version: first.version })
      if (failed._tag === "RefreshFailed") {
        assert.strictEqual(failed.attempt, 1)
        assert.isTrue(failed.retryIn !== undefined && Duration.toMillis(failed.retryIn) >= 3_000)
        assert.include(failed.reason, "503")
      }
      assert.deepStrictEqual(refreshedEvent, {
        _tag: "Refreshed",
        expiresAt: refreshed.expiresAt,
        version: refreshed.version
      })
      assert.deepStrictEqual(invalidated, { _tag: "Invalidated", version: refreshed.version })
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L12: a 429 on an auth endpoint is reported as a rate-limit pause", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const events: Array<AuthEvent> = []
      yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
      yield* settle
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 429, rateLimitResetsIn: 5 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("5 seconds")
      yield* caller
      const pause = events.find((event) => event._tag === "RateLimitPaused")
      assert.deepStrictEqual(pause, { _tag: "RateLimitPaused", until: 5_000, reason: "/auth/token answered 429" })
    }).pipe(Effect.provide(authOnFake())))
})
