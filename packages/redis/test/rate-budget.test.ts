import { assert, describe, it } from "@effect/vitest"
import { MontaRateLimiter, MontaRateLimiterStore, type MontaRateLimiterStoreService } from "@monta-auth/core"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { RedisRateLimiterStore } from "../src/index.js"
import { adminRedis, redisUrl, uniquePrefix } from "./support/fleet.js"

const budget = { limit: 20, window: Duration.minutes(10) }

describe("Redis rate budget", () => {
  it.scoped("F4/R4: 8 instances at 10x oversubscription over 3 windows take exactly the budget in each window", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const limiters = yield* Effect.all(
        Array.from(
          { length: 8 },
          () =>
            Effect.flatMap(
              RedisRateLimiterStore.make({ url: redisUrl(), keyPrefix }),
              (store) =>
                MontaRateLimiter.make({ key: "fleet-client", budget, onRateLimit: "fail" }).pipe(
                  Effect.provideService(MontaRateLimiterStore, store)
                )
            )
        )
      )
      const takenPerWindow: Array<number> = []
      for (let window = 0; window < 3; window++) {
        const outcomes = yield* Effect.all(
          limiters.flatMap((limiter) => Array.from({ length: 25 }, () => Effect.either(limiter.take()))),
          { concurrency: "unbounded" }
        )
        takenPerWindow.push(outcomes.filter((outcome) => outcome._tag === "Right").length)
        for (const outcome of outcomes) {
          if (outcome._tag === "Left") assert.strictEqual(outcome.left._tag, "RateLimited")
        }
        yield* TestClock.adjust(budget.window)
      }
      assert.deepStrictEqual(takenPerWindow, [20, 20, 20])
    }))

  it.scoped("F4: the Redis store answers exactly as core's memory store for the same takes and corrections", () =>
    Effect.gen(function*() {
      const redis = yield* RedisRateLimiterStore.make({ url: redisUrl(), keyPrefix: uniquePrefix() })
      const memory = yield* MontaRateLimiterStore.makeMemory
      const small = { limit: 3, window: Duration.seconds(60) }
      const script = (store: MontaRateLimiterStoreService) =>
        Effect.gen(function*() {
          const key = "k"
          const answers: Array<unknown> = []
          const take = (now: number, cost = 1) => store.take({ key, budget: small, cost, now })
          answers.push(yield* take(1_000), yield* take(2_000, 2), yield* take(3_000))
          // The server says 3 were used and the window ends at 45 s: the count and the end follow it.
          yield* store.correct({
            key,
            budget: small,
            windowStart: 1_000,
            used: 3,
            refund: 0,
            resetsAt: 45_000,
            now: 4_000
          })
          answers.push(yield* take(5_000))
          // A Fair-Use answer gives one back; a correction for another window changes nothing.
          yield* store.correct({
            key,
            budget: small,
            windowStart: 1_000,
            used: 0,
            refund: 1,
            resetsAt: undefined,
            now: 6_000
          })
          yield* store.correct({
            key,
            budget: small,
            windowStart: 999,
            used: 3,
            refund: 0,
            resetsAt: 90_000,
            now: 6_000
          })
          answers.push(yield* take(7_000), yield* take(8_000))
          // A new window starts at the first take after the end.
          answers.push(yield* take(45_000), yield* take(46_000, 3))
          // A 429 (no window given) counts the current window full until the server's reset.
          yield* store.correct({
            key,
            budget: small,
            windowStart: undefined,
            used: 3,
            refund: 0,
            resetsAt: 200_000,
            now: 50_000
          })
          answers.push(yield* take(150_000), yield* take(200_000))
          return answers
        })
      const fromRedis = yield* script(redis)
      const fromMemory = yield* script(memory)
      assert.deepStrictEqual(fromRedis, fromMemory)
      assert.deepStrictEqual(fromRedis[0], { taken: true, windowStart: 1_000, resetsAt: 61_000, remaining: 2 })
      assert.deepStrictEqual(fromRedis[2], { taken: false, windowStart: 1_000, resetsAt: 61_000, remaining: 0 })
    }))

  it.scoped("layerConfig counts on the Redis of REDIS_URL, and fails with a ConfigError without it", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const small = { limit: 2, window: Duration.seconds(60) }
      const takes = yield* Effect.flatMap(
        MontaRateLimiterStore,
        (store) =>
          Effect.all(
            Array.from({ length: 3 }, () => store.take({ key: "config-client", budget: small, cost: 1, now: 5_000 }))
          )
      ).pipe(
        Effect.provide(RedisRateLimiterStore.layerConfig({ keyPrefix })),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", redisUrl()]])))
      )
      assert.deepStrictEqual(takes.map((take) => take.taken), [true, true, false])
      const redis = yield* adminRedis()
      const window = yield* Effect.promise(() => redis.hgetall(RedisRateLimiterStore.key("config-client", keyPrefix)))
      assert.deepStrictEqual(window, { start: "5000", end: "65000", count: "2" })
      const missing = yield* Layer.build(RedisRateLimiterStore.layerConfig({ keyPrefix })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map())),
        Effect.flip
      )
      assert.isTrue(ConfigError.isConfigError(missing))
    }))
})
