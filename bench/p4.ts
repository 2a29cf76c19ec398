/**
 * P4: the rate limiter at 10x oversubscription over 3 windows, on `TestClock`: requests admitted
 * per window, for `MontaRateLimiter` alone, for `MontaHttpClient` against the in-memory MontaFake
 * (which answers 429 over its budget), and for a sender without a limiter (the baseline).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { MontaAuth, MontaHttpClient, MontaRateLimiter, MontaRateLimiterStore } from "@monta-auth/core"
import { type ConsumerInput, MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import type { Bench, Row } from "./lib.js"
import { authOptions } from "./support.js"

const limit = 100
const windowMillis = 10_000
const windows = 3
const oversubscription = 10
const stepMillis = 100

const consumer: ConsumerInput = {
  clientId: "p4-client-id",
  clientSecret: "p4-client-secret",
  rateLimit: limit,
  rateLimitIntervalInSeconds: windowMillis / 1000
}

const settle = Effect.gen(function*() {
  for (let i = 0; i < 40; i++) yield* Effect.yieldNow()
})

interface Outcome {
  readonly perWindow: ReadonlyArray<number>
  readonly over: number
  readonly used: number
}

/**
 * Offers `limit * oversubscription` requests at the start of each of the 3 windows, moves the
 * `TestClock` in steps of 100 ms to the end of the third window, and counts when each request was
 * admitted (by the window it was admitted in).
 */
const oversubscribe = <E, R>(admit: Effect.Effect<unknown, E, R>): Effect.Effect<Outcome, never, R> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const admitted: Array<number> = []
    const fibers: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
    const offer = Effect.gen(function*() {
      for (let i = 0; i < limit * oversubscription; i++) {
        fibers.push(
          yield* Effect.fork(
            Effect.flatMap(admit, () => Effect.map(Clock.currentTimeMillis, (now) => admitted.push(now)))
          )
        )
      }
      yield* settle
    })
    for (let window = 0; window < windows; window++) {
      yield* offer
      for (let elapsed = 0; elapsed < windowMillis; elapsed += stepMillis) {
        // The last step stops 1 ms short of the next window, so nothing of window 4 is counted.
        const step = window === windows - 1 && elapsed + stepMillis >= windowMillis ? stepMillis - 1 : stepMillis
        yield* TestClock.adjust(Duration.millis(step))
        yield* settle
      }
    }
    yield* Fiber.interruptAll(fibers)
    const perWindow = Array.from(
      { length: windows },
      (_, window) =>
        admitted.filter((at) => at >= start + window * windowMillis && at < start + (window + 1) * windowMillis).length
    )
    return {
      perWindow,
      over: perWindow.filter((count) => count > limit).length,
      used: perWindow.reduce((sum, count) => sum + Math.min(count, limit), 0) / (limit * windows)
    }
  })

const limiterAlone = Effect.gen(function*() {
  const limiter = yield* MontaRateLimiter.make({
    key: "p4",
    budget: { limit, window: Duration.millis(windowMillis) },
    onRateLimit: "wait"
  })
  return yield* oversubscribe(limiter.take())
}).pipe(Effect.provide(MontaRateLimiterStore.layerMemory), Effect.provide(TestContext.TestContext))

const throughClient = Effect.gen(function*() {
  const client = yield* MontaHttpClient
  const fake = yield* MontaFake
  yield* Effect.flatMap(MontaAuth, (auth) => auth.accessToken)
  const outcome = yield* oversubscribe(Effect.flatMap(client.get("/charge-points/1"), (response) => response.json))
  const counters = yield* fake.counters
  return { ...outcome, status429: counters.status429 }
}).pipe(
  Effect.provide(
    MontaHttpClient.layer({ rateLimit: { limit, window: Duration.millis(windowMillis) } }).pipe(
      Layer.provideMerge(MontaAuth.layer(authOptions(consumer)).pipe(Layer.orDie)),
      Layer.provideMerge(MontaFake.layerTest({ consumers: [consumer], journalLimit: 100 }))
    )
  ),
  Effect.scoped,
  Effect.provide(TestContext.TestContext)
)

/** The baseline: the same offered load sent at once, without a limiter, through the same fake. */
const withoutLimiter = Effect.gen(function*() {
  const fake = yield* MontaFake
  const client = yield* HttpClient.HttpClient
  const tokenResponse = yield* client.execute(
    HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${fake.baseUrl}/auth/token`), {
      clientId: consumer.clientId,
      clientSecret: consumer.clientSecret
    })
  )
  const { accessToken } = (yield* tokenResponse.json) as { readonly accessToken: string }
  yield* fake.resetJournal
  const outcome = yield* oversubscribe(
    client.execute(HttpClientRequest.bearerToken(HttpClientRequest.get(`${fake.baseUrl}/charge-points/1`), accessToken))
  )
  const counters = yield* fake.counters
  return { ...outcome, status429: counters.status429, ok: counters.byStatus[200] ?? 0 }
}).pipe(
  Effect.orDie,
  Effect.provide(MontaFake.layerTest({ consumers: [consumer], journalLimit: 100 })),
  Effect.provide(TestContext.TestContext)
)

export const p4: Bench = {
  id: "P4",
  title: "rate limiter at 10x oversubscription over 3 windows (TestClock)",
  run: async () => {
    const alone = await Effect.runPromise(limiterAlone)
    const client = await Effect.runPromise(throughClient)
    const naive = await Effect.runPromise(withoutLimiter)
    const setup = `TestClock, budget ${limit} per ${windowMillis / 1000} s, ${
      limit * oversubscription
    } requests offered at the start of each window`
    const rows: ReadonlyArray<Row> = [
      {
        metric: "MontaRateLimiter: windows over the limit",
        ours: alone.over,
        baseline: naive.over,
        unit: "windows",
        ratio: alone.over,
        target: "0",
        met: alone.over === 0,
        note: `${setup}; admitted per window: ours ${alone.perWindow.join("/")}, baseline (no limiter, sent) ${
          naive.perWindow.join("/")
        }`
      },
      {
        metric: "MontaRateLimiter: budget used",
        ours: alone.used * 100,
        unit: "%",
        ratio: alone.used,
        target: ">= 0.99",
        met: alone.used >= 0.99,
        note: "admitted requests within the limit over the 3 windows / (3 x limit)"
      },
      {
        metric: "MontaHttpClient on MontaFake: windows over the limit",
        ours: client.over,
        baseline: naive.over,
        unit: "windows",
        ratio: client.over,
        target: "0",
        met: client.over === 0 && client.status429 === 0,
        note: `${setup}; admitted (answered) per window: ours ${client.perWindow.join("/")}, baseline ${
          naive.perWindow.join("/")
        }; 429s from the fake: ours ${client.status429}, baseline ${naive.status429} (baseline 200s: ${naive.ok})`
      },
      {
        metric: "MontaHttpClient on MontaFake: budget used",
        ours: client.used * 100,
        unit: "%",
        ratio: client.used,
        target: ">= 0.99",
        met: client.used >= 0.99,
        note: "answered requests within the limit over the 3 windows / (3 x limit)"
      }
    ]
    return rows
  }
}
