import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, TokenStore } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

describe("proactive refresh", () => {
  it.scoped("L4: refreshes at expiry - refreshMargin, in the background, with /auth/refresh", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* TestClock.adjust("54 minutes")
      yield* settle
      assert.strictEqual((yield* fake.counters).refreshRequests, 0)
      yield* TestClock.adjust("1 minute")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 1)
      assert.strictEqual(counters.tokenRequests, 1)
      const next = yield* auth.accessToken
      assert.notStrictEqual(Redacted.value(next), Redacted.value(first))
      assert.strictEqual((yield* fake.counters).requests, 2)
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L4: jitter makes the refresh up to `jitter` earlier, never later than the margin", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const { expiresAt } = yield* auth.current
      const earliest = expiresAt - 11 * 60_000
      const latest = expiresAt - 10 * 60_000
      yield* TestClock.setTime(earliest - 1)
      yield* settle
      assert.strictEqual((yield* fake.counters).refreshRequests, 0)
      yield* TestClock.setTime(latest)
      yield* settle
      assert.strictEqual((yield* fake.counters).refreshRequests, 1)
      const journal = yield* fake.journal
      const refresh = journal.find((entry) => entry.path === "/auth/refresh")!
      assert.isAtLeast(refresh.at, earliest)
      assert.isAtMost(refresh.at, latest)
    }).pipe(Effect.provide(authOnFake({ refreshMargin: "10 minutes", jitter: "1 minute" }))))

  it.scoped("L4: the refresh fiber survives failures and keeps trying until it succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* fake.injectFault({ path: "/auth/refresh", times: 40, fault: Fault.Status({ status: 500 }) })
      yield* TestClock.adjust("55 minutes")
      yield* settle
      // Still within the old token's life: callers keep getting it without waiting.
      for (let i = 0; i < 24; i++) {
        yield* TestClock.adjust("10 seconds")
        yield* settle
        const token = yield* auth.accessToken
        if ((yield* fake.counters).refreshRequests <= 40) {
          assert.strictEqual(Redacted.value(token), Redacted.value(first))
        }
      }
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 41)
      assert.strictEqual(counters.tokenRequests, 1)
      const token = yield* auth.accessToken
      assert.notStrictEqual(Redacted.value(token), Redacted.value(first))
    }).pipe(
      Effect.provide(authOnFake({ jitter: 0, retry: { baseDelay: "100 millis", maxDelay: "1 second" } }))
    ))

  it.effect("L4: the refresh fiber stops when the layer's scope closes", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* Effect.scoped(
        Effect.gen(function*() {
          const auth = yield* MontaAuth.make({
            clientId: MontaFake.demoConsumer.clientId,
            clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
            baseUrl: fake.baseUrl,
            allowInsecure: true
          })
          yield* auth.accessToken
        })
      )
      yield* TestClock.adjust("10 hours")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.requests, 1)
    }).pipe(Effect.provide(Layer.merge(MontaFake.layerTest(), TokenStore.layerMemory))))
})
