import { assert, describe, it } from "@effect/vitest"
import {
  MontaApiError,
  MontaRateLimiter,
  MontaRateLimiterStore,
  type MontaRateLimiterStoreService,
  type RateBudget,
  RateLimiterStoreError
} from "@monta-auth/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as TestClock from "effect/TestClock"
import { rateLimitWaits } from "../src/internal/rateLimitMetrics.js"
import { settle } from "./http-fixtures.js"

const budget: RateBudget = { limit: 3, window: Duration.seconds(10) }

const limiter = (options: { readonly onRateLimit?: "wait" | "fail" } = {}) =>
  MontaRateLimiter.make({ key: "client", budget, ...options }).pipe(Effect.provide(MontaRateLimiterStore.layerMemory))

const ok = (headers: Record<string, string>) => ({ status: 200, headers })

/** Captures log messages of the effect. */
const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const messages: Array<string> = []
    const logger = Logger.make(({ message }) => {
      messages.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
    })
    const result = yield* effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return { result, messages }
  })

describe("MontaRateLimiter", () => {
  it.effect("R2: a fixed window: the budget is taken at once, the next caller waits for the reset", () =>
    Effect.gen(function*() {
      const rate = yield* limiter()
      for (let i = 0; i < 3; i++) yield* rate.take()
      yield* TestClock.adjust("4 seconds")
      const waiting = yield* Effect.fork(rate.take())
      yield* TestClock.adjust("5999 millis")
      yield* settle
      assert.isUndefined(waiting.unsafePoll() ?? undefined)
      yield* TestClock.adjust("1 millis")
      const permit = yield* Fiber.join(waiting)
      assert.strictEqual(permit.windowStart, 10_000)
      assert.strictEqual(permit.remaining, 2)
    }))

  it.effect("R2: onRateLimit fail: over the budget the caller fails with RateLimited and the time to the reset", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      for (let i = 0; i < 3; i++) yield* rate.take()
      yield* TestClock.adjust("4 seconds")
      const error = yield* Effect.flip(rate.take())
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") assert.strictEqual(Duration.toMillis(error.retryAfter), 6000)
      // a caller may still choose to wait
      const waiting = yield* Effect.fork(rate.take({ onExceeded: "wait" }))
      yield* TestClock.adjust("6 seconds")
      yield* Fiber.join(waiting)
    }))

  it.effect("R2: waiting callers are served first come, first served, `limit` per window", () =>
    Effect.gen(function*() {
      const rate = yield* limiter()
      for (let i = 0; i < 3; i++) yield* rate.take()
      const order: Array<number> = []
      const fibers = yield* Effect.forEach(
        Array.from({ length: 7 }, (_, i) => i),
        (i) => Effect.fork(Effect.zipRight(rate.take(), Effect.sync(() => order.push(i)))),
        { concurrency: 1 }
      )
      yield* settle
      yield* TestClock.adjust("10 seconds")
      yield* settle
      assert.deepStrictEqual(order, [0, 1, 2])
      yield* TestClock.adjust("10 seconds")
      yield* settle
      assert.deepStrictEqual(order, [0, 1, 2, 3, 4, 5])
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(order, [0, 1, 2, 3, 4, 5, 6])
    }))

  it.effect("R3: RateLimit-Remaining lower than the local count wins (another client used the budget)", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      const permit = yield* rate.take()
      yield* rate.observe(permit, ok({ "ratelimit-remaining": "0", "ratelimit-resetsin": "10" }))
      const error = yield* Effect.flip(rate.take())
      assert.strictEqual(error._tag, "RateLimited")
    }))

  it.effect("R3: RateLimit-ResetsIn moves the end of the window to the server's", () =>
    Effect.gen(function*() {
      const rate = yield* limiter()
      const permit = yield* rate.take()
      // the server's window started before ours: it resets in 3 s, not 10 s
      yield* rate.observe(permit, ok({ "ratelimit-remaining": "0", "ratelimit-resetsin": "3" }))
      const waiting = yield* Effect.fork(rate.take())
      yield* TestClock.adjust("3999 millis")
      yield* settle
      assert.isUndefined(waiting.unsafePoll() ?? undefined)
      // the whole-second header is read late by up to a second: never before the server's reset
      yield* TestClock.adjust("1 millis")
      const next = yield* Fiber.join(waiting)
      assert.strictEqual(next.windowStart, 4000)
    }))

  it.effect("R3: a response from an earlier window corrects nothing", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      const old = yield* rate.take()
      yield* TestClock.adjust("10 seconds")
      yield* rate.take()
      yield* rate.observe(old, ok({ "ratelimit-remaining": "0", "ratelimit-resetsin": "1" }))
      yield* rate.take()
      yield* rate.take()
    }))

  it.effect("R3: with a budget of its own on another window, only a spent server budget pauses callers", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      const first = yield* rate.take()
      const server = { "ratelimit-quota": "1000", "ratelimit-timewindow": "600", "ratelimit-resetsin": "500" }
      yield* rate.observe(first, ok({ ...server, "ratelimit-remaining": "900" }))
      // the configured 3 per 10 s stays in force
      assert.deepStrictEqual(yield* rate.budget, budget)
      const second = yield* rate.take()
      yield* rate.observe(second, ok({ ...server, "ratelimit-remaining": "0" }))
      const error = yield* Effect.flip(rate.take())
      if (error._tag === "RateLimited") assert.strictEqual(Duration.toMillis(error.retryAfter), 501_000)
      else assert.fail(`expected RateLimited, got ${error._tag}`)
    }))

  it.effect("R3: a RateLimit-Policy: Fair-Use response gives its request back", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      const permits = [yield* rate.take(), yield* rate.take(), yield* rate.take()]
      assert.strictEqual((yield* Effect.flip(rate.take()))._tag, "RateLimited")
      yield* rate.observe(permits[0], ok({ "ratelimit-policy": "Fair-Use" }))
      yield* rate.take()
      assert.strictEqual((yield* Effect.flip(rate.take()))._tag, "RateLimited")
    }))

  it.effect("R3: a 429 pauses every caller until the server's reset, and says so once", () =>
    Effect.gen(function*() {
      const rate = yield* limiter()
      const permit = yield* rate.take()
      const { messages } = yield* capturingLogs(Effect.gen(function*() {
        yield* rate.observe(permit, {
          status: 429,
          headers: { "ratelimit-resetsin": "20", "ratelimit-remaining": "0" }
        })
        yield* rate.observe(permit, {
          status: 429,
          headers: { "ratelimit-resetsin": "20", "ratelimit-remaining": "0" }
        })
      }))
      assert.strictEqual(messages.filter((message) => message.includes("429")).length, 1)
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(rate.take()))
      yield* TestClock.adjust("20 seconds")
      yield* settle
      assert.isTrue(fibers.every((fiber) => fiber.unsafePoll() === null))
      yield* TestClock.adjust("1 second")
      yield* Fiber.joinAll(fibers)
    }))

  it.effect("R3: a 429 without RateLimit-ResetsIn honours Retry-After", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      yield* rate.observe(undefined, { status: 429, headers: { "retry-after": "7" } })
      const error = yield* Effect.flip(rate.take())
      if (error._tag === "RateLimited") assert.strictEqual(Duration.toMillis(error.retryAfter), 7000)
      else assert.fail(`expected RateLimited, got ${error._tag}`)
    }))

  it.effect("R3: pause stops every caller for the duration", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      yield* rate.pause("30 seconds", "test")
      const error = yield* Effect.flip(rate.take())
      if (error._tag === "RateLimited") assert.strictEqual(Duration.toMillis(error.retryAfter), 30_000)
      else assert.fail(`expected RateLimited, got ${error._tag}`)
    }))

  it.effect("R1/R5: a budget found by an effect is found once; a failed lookup never blocks: the documented 1000 per 600 s serves and the lookup is tried again a minute later", () =>
    Effect.gen(function*() {
      let calls = 0
      const find = Effect.suspend(() => {
        calls++
        return calls === 1
          ? Effect.fail(new MontaApiError({ status: 503, method: "GET", url: "/consumers/me" }))
          : Effect.succeed(budget)
      })
      const rate = yield* MontaRateLimiter.make({ key: "client", budget: find }).pipe(
        Effect.provide(MontaRateLimiterStore.layerMemory)
      )
      yield* rate.take()
      assert.strictEqual((yield* rate.budget).limit, 1000)
      yield* Effect.forEach([1, 2, 3], () => rate.take(), { concurrency: "unbounded" })
      assert.strictEqual(calls, 1, "no second lookup within the minute")
      yield* TestClock.adjust("61 seconds")
      assert.strictEqual((yield* rate.budget).limit, 3)
      assert.strictEqual(calls, 2)
      yield* rate.budget
      assert.strictEqual(calls, 2, "found once")
    }))

  it.effect("R3: RateLimit-Quota below the configured budget lowers it", () =>
    Effect.gen(function*() {
      const rate = yield* limiter({ onRateLimit: "fail" })
      const permit = yield* rate.take()
      yield* rate.observe(
        permit,
        ok({ "ratelimit-quota": "2", "ratelimit-timewindow": "10", "ratelimit-remaining": "1" })
      )
      assert.strictEqual((yield* rate.budget).limit, 2)
      yield* rate.take()
      assert.strictEqual((yield* Effect.flip(rate.take()))._tag, "RateLimited")
    }))

  it.effect("F5: a failing store is reported once and the limiter goes on in memory", () =>
    Effect.gen(function*() {
      const broken: MontaRateLimiterStoreService = {
        take: () => Effect.fail(new RateLimiterStoreError({ operation: "take", detail: "connection refused" })),
        correct: () => Effect.fail(new RateLimiterStoreError({ operation: "correct", detail: "connection refused" }))
      }
      const rate = yield* MontaRateLimiter.make({ key: "client", budget, onRateLimit: "fail" }).pipe(
        Effect.provideService(MontaRateLimiterStore, broken)
      )
      const { messages } = yield* capturingLogs(Effect.gen(function*() {
        for (let i = 0; i < 3; i++) yield* rate.take()
        assert.strictEqual((yield* Effect.flip(rate.take()))._tag, "RateLimited")
      }))
      assert.strictEqual(messages.filter((message) => message.includes("store")).length, 1)
    }))

  it.effect("F5: a store that is down is tried again every 5 s, not on every call, and taken back when it is up", () =>
    Effect.gen(function*() {
      let calls = 0
      let up = false
      const memory = yield* MontaRateLimiterStore.makeMemory
      const flaky: MontaRateLimiterStoreService = {
        take: (options) =>
          Effect.suspend(() => {
            calls++
            return up
              ? memory.take(options)
              : Effect.fail(new RateLimiterStoreError({ operation: "take", detail: "down" }))
          }),
        correct: (options) => memory.correct(options)
      }
      const rate = yield* MontaRateLimiter.make({ key: "client", budget: { limit: 100, window: Duration.seconds(60) } })
        .pipe(
          Effect.provideService(MontaRateLimiterStore, flaky)
        )
      const { messages } = yield* capturingLogs(Effect.gen(function*() {
        for (let i = 0; i < 10; i++) yield* rate.take()
        assert.strictEqual(calls, 1)
        up = true
        yield* TestClock.adjust("5 seconds")
        yield* rate.take()
        yield* rate.take()
        assert.strictEqual(calls, 3)
      }))
      assert.isTrue(messages.some((message) => message.includes("back")))
    }))

  it.effect("metrics: every caller that waits is counted", () =>
    Effect.gen(function*() {
      const rate = yield* limiter()
      const before = (yield* Metric.value(rateLimitWaits)).count
      for (let i = 0; i < 3; i++) yield* rate.take()
      const fibers = yield* Effect.forEach([1, 2], () => Effect.fork(rate.take()))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      assert.strictEqual((yield* Metric.value(rateLimitWaits)).count - before, 2)
    }))

  it.effect("R2: calibrate: until a first response, one request goes alone; others wait for it, 10 s at most", () =>
    Effect.gen(function*() {
      const rate = yield* MontaRateLimiter.make({ key: "client", budget, calibrate: true }).pipe(
        Effect.provide(MontaRateLimiterStore.layerMemory)
      )
      const probe = yield* rate.take()
      const second = yield* Effect.fork(rate.take())
      yield* settle
      assert.isNull(second.unsafePoll())
      yield* rate.observe(probe, ok({ "ratelimit-remaining": "2", "ratelimit-resetsin": "10" }))
      yield* Fiber.join(second)
      // calibrated: no more waiting for answers
      yield* rate.take()
    }))

  it.effect("R2: calibrate: a probe that got no answer (status 0) or never reports lets the others go", () =>
    Effect.gen(function*() {
      const make = MontaRateLimiter.make({ key: "client", budget, calibrate: true }).pipe(
        Effect.provide(MontaRateLimiterStore.layerMemory)
      )
      const failed = yield* make
      const probe = yield* failed.take()
      const waiting = yield* Effect.fork(failed.take())
      yield* settle
      yield* failed.observe(probe, { status: 0, headers: {} })
      yield* Fiber.join(waiting)
      const silent = yield* make
      yield* silent.take()
      const stuck = yield* Effect.fork(silent.take())
      yield* TestClock.adjust("9 seconds")
      yield* settle
      assert.isNull(stuck.unsafePoll())
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(stuck)
    }))
})
