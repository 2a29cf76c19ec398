import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import { RedisTokenStore } from "../src/index.js"
import { instanceLayer, isLiveAccessToken, redisUrl, testKey, uniquePrefix } from "./support/fleet.js"
import { ManualClock } from "./support/manual-clock.js"

const clientId = MontaFake.demoConsumer.clientId
// A small budget, so the fleet's demand (8 requests every 5 minutes) is 1.6 times what it allows.
const budget = { limit: 10, window: Duration.minutes(10) }
const consumer = { ...MontaFake.demoConsumer, rateLimit: 10, rateLimitIntervalInSeconds: 600 }

/** What one caller of one instance saw in one step. */
type Outcome = "sent" | "refused"

describe("fleet mode", () => {
  it.scopedLive(
    "F1-F4: 8 instances (8 runtimes, their own Redis connections, one MontaFake, one clock) through 2 simulated days make one Monta call per token lifetime, no rejected refresh, no window over budget",
    () =>
      Effect.gen(function*() {
        const keyPrefix = uniquePrefix()
        // One clock for every runtime (and so for the fake, which runs in its callers' fibers).
        const clock = new ManualClock()
        const fake = yield* Layer.build(MontaFake.layerTest({ consumers: [consumer] }))
        const runtimes = Array.from({ length: 8 }, () =>
          ManagedRuntime.make(
            instanceLayer({ keyPrefix, limiter: { rateLimit: budget, onRateLimit: "fail" } }).pipe(
              Layer.provideMerge(Layer.succeedContext(fake)),
              Layer.provide(Layer.setClock(clock)),
              Layer.orDie
            )
          ))
        yield* Effect.addFinalizer(() =>
          Effect.promise(() => Promise.all(runtimes.map((runtime) => runtime.dispose())))
        )
        yield* Effect.promise(() => Promise.all(runtimes.map((runtime) => runtime.runtime())))
        yield* clock.advance("1 minute")
        const times = yield* Effect.promise(() =>
          Promise.all(runtimes.map((runtime) => runtime.runPromise(Clock.currentTimeMillis)))
        )
        assert.deepStrictEqual(times, Array(8).fill(60_000))

        let invalidTokens = 0
        const call: Effect.Effect<Outcome, never, MontaAuth | MontaHttpClient | MontaFake> = Effect.gen(function*() {
          const auth = yield* MontaAuth
          const client = yield* MontaHttpClient
          const token = yield* auth.accessToken
          if (!(yield* isLiveAccessToken(token))) invalidTokens++
          const response = yield* client.get("/charge-points?perPage=1").pipe(Effect.either)
          if (response._tag === "Right" && response.right.status === 200) return "sent"
          if (response._tag === "Left" && response.left._tag === "RateLimited") return "refused"
          return assert.fail(
            `unexpected answer: ${response._tag === "Left" ? response.left._tag : response.right.status}`
          )
        }).pipe(Effect.orDie)

        let sent = 0
        let refused = 0
        const steps = (2 * 24 * 60) / 5
        for (let step = 0; step < steps; step++) {
          const outcomes = yield* Effect.promise(() => Promise.all(runtimes.map((runtime) => runtime.runPromise(call))))
          for (const outcome of outcomes) {
            if (outcome === "sent") sent++
            else refused++
          }
          yield* clock.advance("5 minutes")
        }
        // The last step's refresh may still be writing to Redis (real I/O the manual clock does not
        // wait for): let the writes of the calls Monta answered land, 5 s at most.
        const store = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
        const settled = Effect.gen(function*() {
          const counters = yield* Context.get(fake, MontaFake).counters
          const stored = Option.getOrThrow(yield* store.load(clientId))
          return { counters, stored }
        })
        let { counters, stored } = yield* settled
        for (let i = 0; i < 100 && stored.version < counters.tokenRequests + counters.refreshRequests; i++) {
          yield* Effect.sleep("50 millis")
          ;({ counters, stored } = yield* settled)
        }
        assert.strictEqual(invalidTokens, 0)
        assert.strictEqual(counters.tokenRequests, 1)
        assert.strictEqual(counters.rejectedRefreshes, 0)
        // Every version in the store came from exactly one call to Monta: one per token lifetime.
        assert.strictEqual(counters.tokenRequests + counters.refreshRequests, stored.version)
        // Access tokens live 1 hour and the refresh starts 5 to 5.5 minutes early: 48 hours are 48
        // (the clock does not wait for Redis, so a refresh may land at the end of its 5-minute step)
        // to 53 lifetimes. Eight instances refreshing on their own would make eight times as many.
        assert.isAtLeast(counters.refreshRequests, 48)
        assert.isAtMost(counters.refreshRequests, 53)
        // The budget: never a 429 (no window of the fake over budget), every window used to the full
        // (10 per 10 minutes, 288 windows).
        assert.strictEqual(counters.status429, 0)
        assert.strictEqual(counters.rejectedTokens, 0)
        assert.strictEqual(sent, 10 * 288)
        assert.strictEqual(refused, 8 * steps - 10 * 288)
      }),
    120_000
  )
})
