import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

describe("a full day", () => {
  it.effect("L4/P6: 24 token lifetimes: one refresh per lifetime, no /auth/token after the first, every caller served, no fiber left", () =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor.track
      const day = 24 * 60 * 60_000
      const report = yield* Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        let served = 0
        const issuedTokens = new Set<string>()
        for (let elapsed = 0; elapsed < day; elapsed += 60_000) {
          const tokens = yield* Effect.all(Array.from({ length: 5 }, () => auth.accessToken), {
            concurrency: "unbounded"
          })
          for (const token of tokens) issuedTokens.add(Redacted.value(token))
          served += tokens.length
          yield* TestClock.adjust("1 minute")
        }
        yield* settle
        return { served, counters: yield* fake.counters, journal: yield* fake.journal, distinct: issuedTokens.size }
      }).pipe(Effect.provide(authOnFake()), Effect.supervised(supervisor))
      yield* settle

      assert.strictEqual(report.served, 24 * 60 * 5)
      assert.strictEqual(report.counters.tokenRequests, 1)
      assert.strictEqual(report.counters.rejectedRefreshes, 0)
      assert.strictEqual(report.counters.rejectedTokens, 0)
      // Each token is refreshed once, between 5 min 30 s and 5 min before it expires. The expiry is
      // anchored to the Date header's whole second (L9), which may shorten a lifetime by up to 1 s.
      const refreshes = report.journal.filter((entry) => entry.path === "/auth/refresh").map((entry) => entry.at)
      assert.strictEqual(report.counters.refreshRequests, refreshes.length)
      assert.isAtLeast(refreshes.length, Math.floor(day / (55 * 60_000)))
      assert.isAtMost(refreshes.length, Math.ceil(day / (54.5 * 60_000 - 1_000)))
      const gaps = refreshes.map((at, i) => at - (i === 0 ? 0 : refreshes[i - 1]))
      for (const gap of gaps) {
        assert.isAtLeast(gap, 54.5 * 60_000 - 1_000)
        assert.isAtMost(gap, 55 * 60_000)
      }
      assert.strictEqual(report.distinct, refreshes.length + 1)
      const alive = yield* supervisor.value
      assert.deepStrictEqual(alive.map((fiber) => fiber.id()), [])
    }))
})
