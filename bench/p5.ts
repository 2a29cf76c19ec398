/**
 * P5: a fleet of 8 instances sharing one credential through 24 simulated hours against one
 * MontaFake: on Redis (`RedisTokenStore` + the Redis rate-limit store) against the naive fleet
 * (each instance with a memory token store and its own memory rate limiter), in the same run.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { MontaAuth, MontaHttpClient, MontaRateLimiter } from "@monta-auth/core"
import { RedisRateLimiterStore, RedisTokenStore } from "@monta-auth/redis"
import { type ConsumerInput, type JournalEntry, MontaFake } from "@monta-auth/testing"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import type { Bench, Row } from "./lib.js"
import { authOptions, ManualClock, withRedis } from "./support.js"

const instances = 8
const workersPerInstance = 2
const hours = 24
const stepMillis = 60_000
const limit = 100
const windowSeconds = 600

const consumer: ConsumerInput = {
  clientId: "fleet-client-id",
  clientSecret: "fleet-client-secret",
  rateLimit: limit,
  rateLimitIntervalInSeconds: windowSeconds
}

const budget = { limit, window: Duration.seconds(windowSeconds) }

/** Lets real I/O (Redis) that woken fibers started complete before the clock moves again. */
const realPause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 2)))

type FakeContext = Context.Context<MontaFake | HttpClient.HttpClient>

const redisInstance = (url: string, keyPrefix: string, fake: FakeContext) =>
  MontaHttpClient.layerRateLimiter().pipe(
    Layer.provideMerge(MontaRateLimiter.layer({ rateLimit: budget, onRateLimit: "wait" })),
    Layer.provide(RedisRateLimiterStore.layer({ url, keyPrefix })),
    Layer.provideMerge(MontaAuth.layerWithStore(authOptions(consumer))),
    Layer.provide(
      RedisTokenStore.layer({ url, keyPrefix, encryptionKey: Redacted.make("0123456789abcdef0123456789abcdef") })
    ),
    Layer.provide(Layer.succeedContext(fake)),
    Layer.orDie
  )

const naiveInstance = (fake: FakeContext) =>
  MontaHttpClient.layer({ rateLimit: budget, onRateLimit: "wait" }).pipe(
    Layer.provideMerge(MontaAuth.layer(authOptions(consumer))),
    Layer.provide(Layer.succeedContext(fake)),
    Layer.orDie
  )

/** The fake's fixed windows replayed from its journal: how many had a request refused with 429. */
const windowsOverBudget = (journal: ReadonlyArray<JournalEntry>): { windows: number; over: number } => {
  let start: number | undefined
  let windows = 0
  let over = 0
  let overHere = false
  for (const entry of journal) {
    if (entry.clientId !== consumer.clientId || entry.path === "/auth/token" || entry.path === "/auth/refresh") {
      continue
    }
    if (start === undefined || entry.at >= start + windowSeconds * 1000) {
      if (overHere) over++
      start = entry.at
      windows++
      overHere = false
    }
    if (entry.status === 429) overHere = true
  }
  if (overHere) over++
  return { windows, over }
}

interface FleetOutcome {
  readonly authCalls: number
  readonly tokenRequests: number
  readonly refreshRequests: number
  readonly rejectedRefreshes: number
  readonly lifetimes: number
  readonly windows: number
  readonly windowsOver: number
  readonly status429: number
  readonly served: number
  readonly failed: number
  readonly failures: string
}

const runFleet = (
  instanceLayer: (fake: FakeContext) => Layer.Layer<MontaHttpClient | MontaAuth>
): Effect.Effect<FleetOutcome> => {
  const clock = new ManualClock()
  return Effect.gen(function*() {
    const fakeScope = yield* Scope.make()
    const fake = yield* Layer.buildWithScope(
      MontaFake.layerTest({ consumers: [consumer], journalLimit: 200_000 }),
      fakeScope
    )
    const fakeService = yield* Effect.provide(MontaFake, fake)
    let served = 0
    let failed = 0
    const failures = new Map<string, number>()
    const fleet = yield* Effect.forEach(Array.from({ length: instances }), () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(instanceLayer(fake), scope)
        const client = yield* Effect.provide(MontaHttpClient, context)
        const auth = yield* Effect.provide(MontaAuth, context)
        const worker = (id: number) =>
          Effect.gen(function*() {
            while (true) {
              yield* client.get(`/charge-points/${id}`).pipe(
                Effect.flatMap((response) => response.json),
                Effect.matchCause({
                  onFailure: (cause) => {
                    failed++
                    const tag = Cause.squash(cause) as { readonly _tag?: string; readonly reason?: string }
                    const key = `${tag._tag ?? String(tag).replace(/[0-9.]+/g, "N").slice(0, 80)}${
                      tag.reason !== undefined ? `(${tag.reason})` : ""
                    }`
                    failures.set(key, (failures.get(key) ?? 0) + 1)
                  },
                  onSuccess: () => served++
                })
              )
              yield* Effect.sleep(Duration.millis(stepMillis))
            }
          })
        for (let w = 0; w < workersPerInstance; w++) yield* Effect.forkIn(worker(w + 1), scope)
        return { scope, auth }
      }))
    for (let elapsed = 0; elapsed < hours * 3_600_000; elapsed += stepMillis) {
      yield* clock.advance(Duration.millis(stepMillis))
      yield* realPause
    }
    const versions = yield* Effect.forEach(fleet, ({ auth }) => Effect.map(auth.current, (token) => token.version))
    yield* Effect.forEach(fleet, ({ scope }) => Scope.close(scope, Exit.void))
    const counters = yield* fakeService.counters
    const { over, windows } = windowsOverBudget(yield* fakeService.journal)
    yield* Scope.close(fakeScope, Exit.void)
    return {
      authCalls: counters.tokenRequests + counters.refreshRequests,
      tokenRequests: counters.tokenRequests,
      refreshRequests: counters.refreshRequests,
      rejectedRefreshes: counters.rejectedRefreshes,
      lifetimes: Math.max(...versions),
      windows,
      windowsOver: over,
      status429: counters.status429,
      served,
      failed,
      failures: [...failures].map(([key, n]) => `${key} x${n}`).join(", ")
    }
  }).pipe(Effect.orDie, Effect.withClock(clock), Logger.withMinimumLogLevel(LogLevel.None))
}

export const p5: Bench = {
  id: "P5",
  title: "fleet of 8 instances, 24 simulated hours, shared Redis vs naive",
  run: () =>
    withRedis(async (url, origin) => {
      const keyPrefix = `bench:${randomUUID()}:`
      const redis = await Effect.runPromise(runFleet((fake) => redisInstance(url, keyPrefix, fake)))
      const naive = await Effect.runPromise(runFleet(naiveInstance))
      const perLifetime = (o: FleetOutcome) => o.authCalls / o.lifetimes
      const describe = (o: FleetOutcome) =>
        `/auth/token ${o.tokenRequests}, /auth/refresh ${o.refreshRequests}, rejected ${o.rejectedRefreshes}, ` +
        `highest version ${o.lifetimes}, 429s ${o.status429}, requests served ${o.served}, failed ${o.failed}${
          o.failed > 0 ? ` (${o.failures})` : ""
        }`
      const setup = `${instances} instances x ${workersPerInstance} workers (one GET per simulated minute each), ` +
        `budget ${limit} per ${windowSeconds} s (1.6x oversubscribed), 1-hour tokens, manual clock in 1-minute ` +
        `steps, Redis: ${origin}`
      const rows: ReadonlyArray<Row> = [
        {
          metric: "token requests per token lifetime (fleet)",
          ours: perLifetime(redis),
          baseline: perLifetime(naive),
          unit: "requests",
          ratio: perLifetime(redis),
          target: "1",
          met: redis.authCalls === redis.lifetimes,
          note: `${setup}; (/auth/token + /auth/refresh) / highest pair version; ours: ${describe(redis)}; ` +
            `naive (memory stores): ${describe(naive)}`
        },
        {
          metric: "rejected refreshes",
          ours: redis.rejectedRefreshes,
          baseline: naive.rejectedRefreshes,
          unit: "requests",
          ratio: redis.rejectedRefreshes,
          target: "0",
          met: redis.rejectedRefreshes === 0,
          note: "401 answers of /auth/refresh from the fake over the 24 hours"
        },
        {
          metric: "windows over budget",
          ours: redis.windowsOver,
          baseline: naive.windowsOver,
          unit: "windows",
          ratio: redis.windowsOver,
          target: "0",
          met: redis.windowsOver === 0 && redis.status429 === 0,
          note: `fake windows with a 429, replayed from its journal: ours ${redis.windowsOver} of ${redis.windows}, ` +
            `naive ${naive.windowsOver} of ${naive.windows}`
        }
      ]
      return rows
    })
}
