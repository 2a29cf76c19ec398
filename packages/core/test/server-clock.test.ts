import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

describe("server-anchored expiry", () => {
  for (const offset of ["2 hours", "-2 hours"] as const) {
    it.scoped(`L9: server clock ${offset} off: expiry is anchored to the Date header, refresh before real expiry`, () =>
      Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        yield* fake.setClockOffset(offset)
        const current = yield* auth.current
        // The token lives one hour from now on this host's clock, whatever the server's clock says.
        assert.isAtLeast(current.expiresAt, 60 * 60_000 - 1_000)
        assert.isAtMost(current.expiresAt, 60 * 60_000 + 1_000)
        yield* TestClock.adjust("56 minutes")
        yield* settle
        const counters = yield* fake.counters
        assert.strictEqual(counters.refreshRequests, 1)
        assert.strictEqual(counters.rejectedRefreshes, 0)
        const journal = yield* fake.journal
        const refresh = journal.find((entry) => entry.path === "/auth/refresh")!
        assert.isBelow(refresh.at, 60 * 60_000)
        // Bearer requests keep working across the whole day.
        yield* TestClock.adjust("3 hours")
        yield* settle
        const me = yield* auth.me
        assert.strictEqual(me.clientId, MontaFake.demoConsumer.clientId)
        assert.strictEqual((yield* fake.counters).rejectedTokens, 0)
        assert.strictEqual((yield* fake.counters).tokenRequests, 1)
      }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))
  }

  it.scoped("L9: a Date header of whole seconds never makes the local expiry later than the server's", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      // The token is issued 999 ms into a second: the Date header says the second's start.
      yield* TestClock.adjust("999 millis")
      const current = yield* auth.current
      const [issued] = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
      assert.isAtMost(current.expiresAt, issued!.accessExpiresAt)
      assert.isAtLeast(current.expiresAt, issued!.accessExpiresAt - 1_000)
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))
})
