import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricState from "effect/MetricState"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

const valueOf = (name: string, tags: Record<string, string>) =>
  Effect.map(Metric.snapshot, (pairs) => {
    const pair = pairs.find((pair) =>
      pair.metricKey.name === name &&
      Object.entries(tags).every(([key, value]) =>
        pair.metricKey.tags.some((label) => label.key === key && label.value === value)
      )
    )
    if (pair === undefined) return undefined
    const state = pair.metricState
    if (MetricState.isCounterState(state)) return Number(state.count)
    if (MetricState.isGaugeState(state)) return Number(state.value)
    return undefined
  })

describe("metrics", () => {
  it.scoped("section 9: token requests by grant and outcome, seconds until expiry", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const clientId = MontaFake.demoConsumer.clientId
      const before = (yield* valueOf("monta_auth_token_requests_total", {
        client_id: clientId,
        grant: "client_credentials",
        outcome: "failed"
      })) ?? 0
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 503 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("1 second")
      yield* caller
      yield* TestClock.adjust("55 minutes")
      yield* settle
      const failed = yield* valueOf("monta_auth_token_requests_total", {
        client_id: clientId,
        grant: "client_credentials",
        outcome: "failed"
      })
      assert.strictEqual(failed, before + 1)
      assert.isAtLeast(
        (yield* valueOf("monta_auth_token_requests_total", { grant: "client_credentials", outcome: "success" })) ?? 0,
        1
      )
      assert.isAtLeast(
        (yield* valueOf("monta_auth_token_requests_total", { grant: "refresh_token", outcome: "success" })) ?? 0,
        1
      )
      // Set when the token changes: the refreshed token has (about) an hour to live.
      const seconds = yield* valueOf("monta_auth_token_seconds_until_expiry", { client_id: clientId })
      assert.isAtLeast(seconds!, 3_590)
      assert.isAtMost(seconds!, 3_601)
      assert.strictEqual(yield* valueOf("monta_auth_callers_waiting", { client_id: clientId }), 0)
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))
})
