import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import { AuthEvent, MontaAuthEvents } from "../AuthEvent.js"
import type { MontaAuthService } from "../MontaAuth.js"
import type { MontaApiError, TokenError } from "../MontaError.js"
import { RateLimited } from "../MontaError.js"
import type * as Api from "../MontaRateLimiter.js"
import { parseRateLimitHeaders } from "./montaRateLimitHeaders.js"
import { budgetFromOptions, makeBudget } from "./rateLimitBudget.js"
import { makeStoreMemory } from "./rateLimiterMemoryStore.js"
import {
  clampHint,
  correctedWindowEnd,
  headerGranularityMillis,
  longestWindow,
  pauseEndOf429
} from "./rateLimitHints.js"
import { rateLimitPauses, rateLimitRefusals, rateLimitWaits, rateLimitWaitSeconds } from "./rateLimitMetrics.js"
import { makeStoreFallback } from "./rateLimitStoreFallback.js"

// How long callers wait for the first response to calibrate the count before going anyway.
const calibrationWait = Duration.seconds(10)

/** @internal */
export const make = (options: {
  readonly key: string
  readonly budget: Api.RateBudget | Effect.Effect<Api.RateBudget, TokenError | MontaApiError>
  readonly onRateLimit?: Api.OnRateLimit | undefined
  readonly calibrate?: boolean | undefined
  /** Told once per pause (not once per caller), when a 429 or `pause` stops every caller. */
  readonly onPause?: ((until: number, reason: string) => void) | undefined
}, store: Api.MontaRateLimiterStoreService): Effect.Effect<Api.MontaRateLimiterService> =>
  Effect.gen(function*() {
    const fallback = yield* makeStoreMemory
    const clock = yield* Effect.clock
    const key = options.key
    const defaultMode = options.onRateLimit ?? "wait"
    const queue = yield* Effect.makeSemaphore(1)
    let waiting = 0
    let pausedUntil = 0

    // Budget: given, or found once; the server's quota may lower it (R1, R5).
    const { budget, serverSaid, serverWindowMillis, settled } = yield* makeBudget(options.budget)

    // F5: a failing store is replaced by this process's memory until it is back.
    const stores = makeStoreFallback(store, fallback, clock)
    const withFallback = stores.use

    const takeOnce = (current: Api.RateBudget, cost: number) =>
      Effect.suspend(() => {
        const now = clock.unsafeCurrentTimeMillis()
        return withFallback("take", (store) => store.take({ key, budget: current, cost, now })).pipe(
          Effect.map((result) => ({ result, now }))
        )
      })

    const permitOf = (result: Api.RateLimitTake, cost: number, current: Api.RateBudget): Api.RateLimitPermit => ({
      windowStart: result.windowStart,
      resetsAt: result.resetsAt,
      remaining: result.remaining,
      cost,
      budget: current
    })

    // Waiters queue one behind the other (first come, first served): the head sleeps until the
    // window it saw resets, then tries again; everyone else waits for the head.
    const waitForRoom = (cost: number): Effect.Effect<Api.RateLimitPermit, TokenError | MontaApiError> =>
      Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        yield* Metric.increment(rateLimitWaits)
        const permit = yield* queue.withPermits(1)(Effect.gen(function*() {
          while (true) {
            const current = yield* budget
            const amount = Math.min(cost, current.limit)
            const { now, result } = yield* takeOnce(current, amount)
            if (result.taken) {
              return permitOf(result, amount, current)
            }
            yield* Effect.sleep(Duration.millis(Math.max(1, result.resetsAt - now)))
          }
        }))
        const endedAt = yield* Clock.currentTimeMillis
        yield* Metric.update(rateLimitWaitSeconds, (endedAt - startedAt) / 1000)
        return permit
      })

    // Calibration: until a first response has told the server's count (a restart in the middle of
    // a window, another program on the same credential), one request goes alone and the others
    // wait for its answer (at most `calibrationWait`), so no burst goes out that the server refuses.
    let calibrated = options.calibrate !== true
    let calibration: Deferred.Deferred<void> | undefined
    const calibrate: Effect.Effect<void> = Effect.suspend(() => {
      if (calibrated) {
        return Effect.void
      }
      if (calibration === undefined) {
        calibration = Deferred.unsafeMake<void>(FiberId.none)
        return Effect.void
      }
      return Effect.ignore(Effect.timeout(Deferred.await(calibration), calibrationWait))
    })
    const calibratedBy = (response: Api.RateLimitResponse) => {
      if (calibrated) {
        return
      }
      if (response.status !== 0) {
        calibrated = true
      }
      if (calibration !== undefined) {
        Deferred.unsafeDone(calibration, Exit.void)
      }
    }

    // Once calibrated with a known budget (every request after the first), a take is one store call.
    const settledBudget: Effect.Effect<Api.RateBudget, TokenError | MontaApiError> = Effect.suspend(() =>
      Effect.suspend(() => {
        const known = calibrated ? settled() : undefined
        return known !== undefined ? Effect.succeed(known) : Effect.zipRight(calibrate, budget)
      })
    )
    // The hot path: calibrated, budget known, nobody queued, a store in memory that is up. A take
    // that finds room is then one synchronous call; anything else goes the general way.
    const unsafeTake = store.unsafeTake
    const take: Api.MontaRateLimiterService["take"] = (takeOptions) =>
      Effect.suspend(() => {
        const current = calibrated && !stores.isDown() && waiting === 0 ? settled() : undefined
        if (unsafeTake !== undefined && current !== undefined) {
          const cost = Math.min(Math.max(1, takeOptions?.cost ?? 1), current.limit)
          const result = unsafeTake({ key, budget: current, cost, now: clock.unsafeCurrentTimeMillis() })
          if (result.taken) return Effect.succeed(permitOf(result, cost, current))
        }
        return generalTake(takeOptions)
      })
    const generalTake: Api.MontaRateLimiterService["take"] = (takeOptions) =>
      Effect.flatMap(settledBudget, (current) => {
        const cost = Math.min(Math.max(1, takeOptions?.cost ?? 1), current.limit)
        const mode = takeOptions?.onExceeded ?? defaultMode
        if (mode === "wait" && waiting > 0) {
          return queued(cost)
        }
        return Effect.flatMap(takeOnce(current, cost), ({ now, result }): Effect.Effect<
          Api.RateLimitPermit,
          RateLimited | TokenError | MontaApiError
        > => {
          if (result.taken) {
            return Effect.succeed(permitOf(result, cost, current))
          }
          if (mode === "fail") {
            return Metric.increment(rateLimitRefusals).pipe(
              Effect.zipRight(Effect.fail(new RateLimited({ retryAfter: Duration.millis(result.resetsAt - now) })))
            )
          }
          return queued(cost)
        })
      })

    const queued = (cost: number) =>
      Effect.suspend(() => {
        waiting++
        return Effect.ensuring(
          waitForRoom(cost),
          Effect.sync(() => {
            waiting--
          })
        )
      })

    const longestWindowMillis = (current: Api.RateBudget, serverWindowSeconds: number | undefined) =>
      longestWindow(current, serverWindowMillis(), serverWindowSeconds)

    const pauseUntil = (until: number, now: number, current: Api.RateBudget, reason: string) =>
      Effect.gen(function*() {
        yield* withFallback("correct", (store) =>
          store.correct({
            key,
            budget: current,
            windowStart: undefined,
            used: current.limit,
            refund: 0,
            resetsAt: until,
            now
          }))
        if (until <= pausedUntil) {
          return
        }
        pausedUntil = until
        options.onPause?.(until, reason)
        yield* Metric.increment(rateLimitPauses)
        yield* Effect.logWarning(
          `Monta rate limit: every request pauses for ${Duration.format(Duration.millis(until - now))} (${reason})`
        )
      })

    const pause: Api.MontaRateLimiterService["pause"] = (duration, reason) =>
      Effect.gen(function*() {
        const current = yield* Effect.orElseSucceed(budget, () => undefined)
        if (current === undefined) return
        const now = yield* Clock.currentTimeMillis
        yield* pauseUntil(now + Duration.toMillis(duration), now, current, reason)
      })

    const observe: Api.MontaRateLimiterService["observe"] = (permit, response) =>
      Effect.suspend(() => {
        calibratedBy(response)
        if (response.status === 0) return Effect.void
        const headers = parseRateLimitHeaders(response.headers)
        if (headers.quota !== undefined && headers.timeWindowSeconds !== undefined && headers.quota > 0) {
          serverSaid(headers.quota, headers.timeWindowSeconds)
        }
        if (response.status === 429) {
          return Effect.gen(function*() {
            const current = permit?.budget ?? (yield* Effect.orElseSucceed(budget, () => undefined))
            if (current === undefined) return
            const now = yield* Clock.currentTimeMillis
            const until = pauseEndOf429(headers, now, permit?.resetsAt, current)
            const clamped = clampHint(until, now, longestWindowMillis(current, headers.timeWindowSeconds), "HTTP 429")
            yield* pauseUntil(clamped.until, now, current, clamped.reason)
          })
        }
        if (permit === undefined) return Effect.void
        if (headers.fairUse) {
          const now = clock.unsafeCurrentTimeMillis()
          return withFallback("correct", (store) =>
            store.correct({
              key,
              budget: permit.budget,
              windowStart: permit.windowStart,
              used: 0,
              refund: permit.cost,
              resetsAt: undefined,
              now
            }))
        }
        if (headers.remaining === undefined) return Effect.void
        // A budget of our own (options) on another window than the server's: the server's figures
        // count something else, so only a spent server budget matters (it pauses until its reset).
        const aligned = headers.timeWindowSeconds === undefined ||
          Math.abs(headers.timeWindowSeconds * 1000 - Duration.toMillis(permit.budget.window)) < headerGranularityMillis
        if (!aligned && headers.remaining > 0) return Effect.void
        const limit = aligned ? headers.quota ?? permit.budget.limit : permit.budget.limit
        const used = aligned ? Math.max(0, limit - headers.remaining) : limit
        const countedLocally = permit.budget.limit - permit.remaining
        // Synchronous: on the common path (the server agrees with the local count) nothing runs.
        const now = clock.unsafeCurrentTimeMillis()
        let resetsAt = correctedWindowEnd(headers.resetsInSeconds, aligned, now, permit.resetsAt)
        // L14: a window never ends later than one window from now, whatever the header says.
        if (resetsAt !== undefined) {
          resetsAt = Math.min(resetsAt, now + longestWindowMillis(permit.budget, headers.timeWindowSeconds))
        }
        if (used <= countedLocally && resetsAt === undefined) return Effect.void
        return withFallback("correct", (store) =>
          store.correct({
            key,
            budget: permit.budget,
            windowStart: permit.windowStart,
            used,
            refund: 0,
            resetsAt,
            now
          }))
      })

    return { key, budget, take, observe, pause }
  })

/**
 * The limiter of the `MontaAuth` in context on `store`, keyed by its clientId; its pauses are
 * events of that `MontaAuth` (L12).
 *
 * @internal
 */
export const makeForAuth = (
  options: Api.RateLimiterOptions | undefined,
  auth: MontaAuthService,
  store: Api.MontaRateLimiterStoreService
): Effect.Effect<Api.MontaRateLimiterService> =>
  Effect.flatMap(MontaAuthEvents, ({ publish }) =>
    make({
      key: auth.clientId,
      budget: budgetFromOptions(options?.rateLimit, auth),
      onRateLimit: options?.onRateLimit,
      calibrate: options?.calibrate ?? true,
      onPause: (until, reason) => publish(AuthEvent.RateLimitPaused({ until, reason }))
    }, store))
