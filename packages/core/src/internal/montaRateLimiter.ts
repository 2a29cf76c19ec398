import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Option from "effect/Option"
import * as SynchronizedRef from "effect/SynchronizedRef"
import { AuthEvent, MontaAuthEvents } from "../AuthEvent.js"
import { MontaAuth } from "../MontaAuth.js"
import type { MontaApiError, TokenError } from "../MontaError.js"
import { RateLimited } from "../MontaError.js"
import type * as Api from "../MontaRateLimiter.js"
import { MontaRateLimiter, MontaRateLimiterStore } from "../MontaRateLimiter.js"
import { parseRateLimitHeaders } from "./montaRateLimitHeaders.js"
import { makeStoreMemory } from "./rateLimiterMemoryStore.js"

/** The provider's documented window (1000 requests per 600 s): no hint within it is clamped. */
const documentedWindowMillis = 600_000

// ---------------------------------------------------------------------------------------------
// metrics
// ---------------------------------------------------------------------------------------------

/** @internal */
export const rateLimitWaits = Metric.counter("monta_rate_limit_waits", {
  description: "Requests that waited for the Monta rate budget",
  incremental: true
})

/** @internal */
export const rateLimitWaitSeconds = Metric.histogram(
  "monta_rate_limit_wait_seconds",
  MetricBoundaries.exponential({ start: 0.01, factor: 4, count: 10 }),
  "How long requests waited for the Monta rate budget"
)

/** @internal */
export const rateLimitRefusals = Metric.counter("monta_rate_limit_refusals", {
  description: "Requests refused with RateLimited because the budget was spent (onRateLimit: fail)",
  incremental: true
})

/** @internal */
export const rateLimitPauses = Metric.counter("monta_rate_limit_pauses", {
  description: "Times every caller paused after a 429 from Monta",
  incremental: true
})

// ---------------------------------------------------------------------------------------------
// limiter
// ---------------------------------------------------------------------------------------------

// The `RateLimit-ResetsIn` header counts whole seconds: a server that rounds down or up can be
// this far off the real end of its window.
const headerGranularityMillis = 1000

// While the store is down, how often it is tried again.
const storeRetryIntervalMillis = 5000

// How long callers wait for the first response to calibrate the count before going anyway.
const calibrationWait = Duration.seconds(10)

const toBudget = (options: { readonly limit: number; readonly window: Duration.DurationInput }): Api.RateBudget => ({
  limit: Math.max(1, Math.floor(options.limit)),
  window: Duration.decode(options.window)
})

/** @internal */
export const make = (options: {
  readonly key: string
  readonly budget: Api.RateBudget | Effect.Effect<Api.RateBudget, TokenError | MontaApiError>
  readonly onRateLimit?: Api.OnRateLimit | undefined
  readonly calibrate?: boolean | undefined
  /** Told once per pause (not once per caller), when a 429 or `pause` stops every caller. */
  readonly onPause?: ((until: number, reason: string) => void) | undefined
}): Effect.Effect<Api.MontaRateLimiterService, never, MontaRateLimiterStore> =>
  Effect.gen(function*() {
    const store = yield* MontaRateLimiterStore
    const fallback = yield* makeStoreMemory
    const clock = yield* Effect.clock
    const key = options.key
    const defaultMode = options.onRateLimit ?? "wait"
    const queue = yield* Effect.makeSemaphore(1)
    let waiting = 0
    let storeDown = false
    let pausedUntil = 0

    // Budget: given, or found once (failures are not cached); the server's quota may lower it.
    const configured = Effect.isEffect(options.budget) ? undefined : options.budget
    let learned: Api.RateBudget | undefined = configured
    let fromServer: Api.RateBudget | undefined
    const resolved = yield* SynchronizedRef.make(Option.fromNullable(configured))
    const effective = (base: Api.RateBudget): Api.RateBudget =>
      fromServer !== undefined && (configured === undefined || fromServer.limit < base.limit) ? fromServer : base
    const budget: Effect.Effect<Api.RateBudget, TokenError | MontaApiError> = Effect.suspend(() => {
      if (learned !== undefined) return Effect.succeed(effective(learned))
      const find = options.budget as Effect.Effect<Api.RateBudget, TokenError | MontaApiError>
      return SynchronizedRef.modifyEffect(resolved, (found) =>
        Option.match(found, {
          onSome: (value) => Effect.succeed([value, found] as const),
          onNone: () => Effect.map(find, (value) => [value, Option.some(value)] as const)
        })).pipe(Effect.map((value) => {
          learned = value
          return effective(value)
        }))
    })

    // Store calls: a failing store is logged once and replaced by this process's memory (F5); while
    // it is down it is tried again every `storeRetryInterval`, so callers do not each wait for it.
    let storeRetryAt = 0
    const withFallback = <A>(
      operation: string,
      use: (store: Api.MontaRateLimiterStoreService) => Effect.Effect<A, Api.RateLimiterStoreError>
    ): Effect.Effect<A> => {
      const fallbackUse = Effect.suspend(() => Effect.orDie(use(fallback)))
      const onStoreError = (error: Api.RateLimiterStoreError) =>
        Effect.suspend(() => {
          storeRetryAt = clock.unsafeCurrentTimeMillis() + storeRetryIntervalMillis
          if (storeDown) return fallbackUse
          storeDown = true
          return Effect.logError(
            `monta-auth: rate-limit store ${operation} failed (${error.detail}); counting in this process's ` +
              `memory until it is back`
          ).pipe(Effect.zipRight(fallbackUse))
        })
      if (!storeDown) return Effect.catchAll(use(store), onStoreError)
      if (clock.unsafeCurrentTimeMillis() < storeRetryAt) return fallbackUse
      return use(store).pipe(
        Effect.tap(() => {
          if (!storeDown) return Effect.void
          storeDown = false
          return Effect.logWarning("monta-auth: rate-limit store is back; the shared budget is in use again")
        }),
        Effect.catchAll(onStoreError)
      )
    }

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
      calibrated && learned !== undefined ? Effect.succeed(effective(learned)) : Effect.zipRight(calibrate, budget)
    )
    // The hot path: calibrated, budget known, nobody queued, a store in memory that is up. A take
    // that finds room is then one synchronous call; anything else goes the general way.
    const unsafeTake = store.unsafeTake
    const take: Api.MontaRateLimiterService["take"] = (takeOptions) =>
      Effect.suspend(() => {
        if (unsafeTake !== undefined && calibrated && learned !== undefined && !storeDown && waiting === 0) {
          const current = effective(learned)
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

    // L14: a server hint never pauses for longer than the longest window known (the budget's, the
    // server's, at least the documented 600 s): a ResetsIn of 1e12 or a Retry-After in 9999 is a broken header, not a reason to
    // wait for ever. A pause the program asks for itself (`pause`) is not a hint.
    const longestWindowMillis = (current: Api.RateBudget, serverWindowSeconds: number | undefined) =>
      Math.max(
        documentedWindowMillis,
        Duration.toMillis(current.window),
        fromServer === undefined ? 0 : Duration.toMillis(fromServer.window),
        serverWindowSeconds === undefined ? 0 : serverWindowSeconds * 1000
      ) + headerGranularityMillis
    const clampHint = (requested: number, now: number, longest: number, reason: string) =>
      requested - now <= longest ? { until: requested, reason } : {
        until: now + longest,
        reason: `${reason}; the server's hint of ${Duration.format(Duration.millis(requested - now))} was clamped to ${
          Duration.format(Duration.millis(longest))
        }`
      }

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
          const server = toBudget({ limit: headers.quota, window: Duration.seconds(headers.timeWindowSeconds) })
          if (fromServer === undefined || fromServer.limit !== server.limit) fromServer = server
        }
        if (response.status === 429) {
          return Effect.gen(function*() {
            const current = permit?.budget ?? (yield* Effect.orElseSucceed(budget, () => undefined))
            if (current === undefined) return
            const now = yield* Clock.currentTimeMillis
            const until = headers.resetsInSeconds !== undefined
              ? now + headers.resetsInSeconds * 1000 +
                (Number.isInteger(headers.resetsInSeconds) ? headerGranularityMillis : 0)
              : headers.retryAfterMillis !== undefined
              ? now + headers.retryAfterMillis
              : permit !== undefined && permit.resetsAt > now
              ? permit.resetsAt
              : now + Duration.toMillis(current.window)
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
        let resetsAt: number | undefined
        if (!aligned && headers.resetsInSeconds !== undefined) {
          resetsAt = now + headers.resetsInSeconds * 1000 +
            (Number.isInteger(headers.resetsInSeconds) ? headerGranularityMillis : 0)
        } else if (headers.resetsInSeconds !== undefined) {
          const exact = now + headers.resetsInSeconds * 1000
          const slack = Number.isInteger(headers.resetsInSeconds) ? headerGranularityMillis : 0
          // Within the header's precision the local end (the send time of the window's first
          // request) is the better estimate; further off, the server's window wins, rounded late.
          if (permit.resetsAt < exact - slack || permit.resetsAt > exact + slack) resetsAt = exact + slack
        }
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

    return MontaRateLimiter.of({ key, budget, take, observe, pause })
  })

/** @internal */
export const budgetFromOptions = (
  rateLimit: Api.RateLimiterOptions["rateLimit"],
  auth: MontaAuth["Type"]
): Api.RateBudget | Effect.Effect<Api.RateBudget, TokenError | MontaApiError> =>
  rateLimit === undefined || rateLimit === "auto"
    ? Effect.map(
      auth.me,
      (me) => toBudget({ limit: me.rateLimit, window: Duration.seconds(me.rateLimitIntervalInSeconds) })
    )
    : toBudget(rateLimit)

/** @internal */
export const makeForAuth = (
  options?: Api.RateLimiterOptions | undefined
): Effect.Effect<Api.MontaRateLimiterService, never, MontaAuth | MontaRateLimiterStore> =>
  Effect.flatMap(Effect.all([MontaAuth, MontaAuthEvents]), ([auth, { publish }]) => {
    return make({
      key: auth.clientId,
      budget: budgetFromOptions(options?.rateLimit, auth),
      onRateLimit: options?.onRateLimit,
      calibrate: options?.calibrate ?? true,
      onPause: (until, reason) => publish(AuthEvent.RateLimitPaused({ until, reason }))
    })
  })

/** @internal */
export const layer = (
  options?: Api.RateLimiterOptions | undefined
): Layer.Layer<MontaRateLimiter, never, MontaAuth | MontaRateLimiterStore> =>
  Layer.effect(MontaRateLimiter, makeForAuth(options))

/** @internal */
export const layerWithMemoryStore = (
  options?: Api.RateLimiterOptions | undefined
): Layer.Layer<MontaRateLimiter, never, MontaAuth> => Layer.provide(layer(options), MontaRateLimiterStore.layerMemory)
