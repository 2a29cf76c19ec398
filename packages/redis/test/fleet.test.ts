import { assert, describe, it } from "@effect/vitest"
import { MontaFake } from "@monta-auth/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { RedisTokenStore } from "../src/index.js"
import { isLiveAccessToken, redisUrl, startInstance, testKey, uniquePrefix } from "./support/fleet.js"

const clientId = MontaFake.demoConsumer.clientId
// A small budget, so the fleet's demand (8 requests every 5 minutes) is 1.6 times what it allows.
const budget = { limit: 10, window: Duration.minutes(10) }
const consumer = { ...MontaFake.demoConsumer, rateLimit: 10, rateLimitIntervalInSeconds: 600 }

describe("fleet mode", () => {
  it.scoped(
    "F1-F4: 8 instances through 2 simulated days make one Monta call per token lifetime, no rejected refresh, no window over budget",
    () =>
      Effect.gen(function*() {
        const keyPrefix = uniquePrefix()
        const instances = yield* Effect.all(
          Array.from({ length: 8 }, () =>
            Effect.flatMap(Scope.make(), (scope) =>
              startInstance({ scope, keyPrefix, limiter: { rateLimit: budget, onRateLimit: "fail" } })))
        )
        const fake = yield* MontaFake
        let sent = 0
        let refused = 0
        let invalidTokens = 0
        const steps = (2 * 24 * 60) / 5
        for (let step = 0; step < steps; step++) {
          yield* Effect.all(
            instances.map(({ auth, client }) =>
              Effect.gen(function*() {
                const token = yield* auth.accessToken
                if (!(yield* isLiveAccessToken(token))) {
                  invalidTokens++
                }
                const response = yield* client.get("/charge-points?perPage=1").pipe(Effect.either)
                if (response._tag === "Right" && response.right.status === 200) {
                  sent++
                } else if (response._tag === "Left" && response.left._tag === "RateLimited") {
                  refused++
                } else {assert.fail(
                    `unexpected answer: ${response._tag === "Left" ? response.left._tag : response.right.status}`
                  )}
              })
            ),
            { concurrency: "unbounded" }
          )
          yield* TestClock.adjust("5 minutes")
        }
        const counters = yield* fake.counters
        const store = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
        const stored = Option.getOrThrow(yield* store.load(clientId))
        assert.strictEqual(invalidTokens, 0)
        assert.strictEqual(counters.tokenRequests, 1)
        assert.strictEqual(counters.rejectedRefreshes, 0)
        // Every version in the store came from exactly one call to Monta: one per token lifetime.
        assert.strictEqual(counters.tokenRequests + counters.refreshRequests, stored.version)
        // Access tokens live 1 hour and are refreshed 5 to 5.5 minutes early: 48 hours is 52 or 53 lifetimes.
        assert.isAtLeast(counters.refreshRequests, 52)
        assert.isAtMost(counters.refreshRequests, 53)
        // The budget: never a 429, every window used to the full (10 per 10 minutes, 288 windows).
        assert.strictEqual(counters.status429, 0)
        assert.strictEqual(counters.rejectedTokens, 0)
        assert.strictEqual(sent, 10 * 288)
        assert.strictEqual(refused, 8 * steps - 10 * 288)
      }).pipe(Effect.provide(MontaFake.layerTest({ consumers: [consumer] }))),
    120_000
  )
})
