/**
 * `MontaRateLimiter`: the credential's request budget (SPEC section 5, R1-R4). Every request of
 * `MontaHttpClient` takes from it before it is sent; the server's `RateLimit-*` headers correct it;
 * a 429 pauses every caller until the server's window resets.
 *
 * The count lives in a `MontaRateLimiterStore`: process memory by default, Redis in fleet mode
 * (`@monta-auth/redis`), so a whole fleet shares one budget.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as internal from "./internal/montaRateLimiter.js"
import * as memoryStore from "./internal/rateLimiterMemoryStore.js"
import { MontaAuth } from "./MontaAuth.js"
import type { MontaApiError, RateLimited, TokenError } from "./MontaError.js"

/**
 * A fixed-window budget: at most `limit` requests per `window`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateBudget {
  readonly limit: number
  readonly window: Duration.Duration
}

/**
 * What callers do when the budget is spent: wait for the next window (default) or fail at once
 * with `RateLimited` (R2).
 *
 * @since 0.1.0
 * @category models
 */
export type OnRateLimit = "wait" | "fail"

/**
 * Proof that a request was counted, handed back to `observe` with its response so the server's
 * figures correct the window the request was counted in (and no other).
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitPermit {
  /** The start of the window the request was counted in (store time, epoch milliseconds). */
  readonly windowStart: number
  /** The end of that window as the store knew it when the request was counted. */
  readonly resetsAt: number
  /** Requests left in that window right after this one was counted. */
  readonly remaining: number
  /** How many requests were taken. */
  readonly cost: number
  /** The budget in force when it was taken. */
  readonly budget: RateBudget
}

/**
 * The part of a response the limiter reads: its status and its (lower-case) headers. An
 * `HttpClientResponse` is one.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitResponse {
  /** The HTTP status, or 0 when no response came. */
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
}

/**
 * The rate limiter service.
 *
 * @since 0.1.0
 * @category services
 */
export interface MontaRateLimiterService {
  /** The store key of this budget (the clientId). */
  readonly key: string
  /** The budget in force: from options, or from `/auth/me` on first use (R1), as corrected by the server. */
  readonly budget: Effect.Effect<RateBudget, TokenError | MontaApiError>
  /**
   * Counts `cost` requests (default 1) against the current window. Over the budget it waits for
   * the window that has room, or fails with `RateLimited` when `onExceeded` (default: the
   * limiter's option) is "fail" (R2). Waiting callers are served first come, first served.
   */
  readonly take: (options?: {
    readonly cost?: number | undefined
    readonly onExceeded?: OnRateLimit | undefined
  }) => Effect.Effect<RateLimitPermit, RateLimited | TokenError | MontaApiError>
  /**
   * Reads a response to a request counted with `permit` (R3): `RateLimit-Remaining` and
   * `RateLimit-ResetsIn` correct the count and the end of that window (the server wins); a
   * `RateLimit-Policy: Fair-Use` response gives its request back; a 429 pauses every caller until
   * the server's reset (`RateLimit-ResetsIn`, else `Retry-After`). Report a request that got no
   * response (transport failure) as `status: 0`: it releases the callers waiting for calibration.
   */
  readonly observe: (permit: RateLimitPermit | undefined, response: RateLimitResponse) => Effect.Effect<void>
  /** Pauses every caller for `duration`: nothing is taken until it has passed. */
  readonly pause: (duration: Duration.DurationInput, reason: string) => Effect.Effect<void>
}

/**
 * Options of `MontaRateLimiter.layer` and `MontaRateLimiter.layerWithMemoryStore`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimiterOptions {
  /**
   * The budget. Default "auto": `rateLimit` per `rateLimitIntervalInSeconds` of `/auth/me` (R1).
   * A budget given here is an upper bound: a smaller `RateLimit-Quota` from the server still wins.
   */
  readonly rateLimit?: { readonly limit: number; readonly window: Duration.DurationInput } | "auto" | undefined
  /** Default "wait". */
  readonly onRateLimit?: OnRateLimit | undefined
  /**
   * Until the first response has told the server's count, send one request alone and let the others
   * wait for its answer (up to 10 s), so the first burst after a restart in the middle of a window
   * cannot overrun it. Default true; `MontaRateLimiter.make` defaults to false.
   */
  readonly calibrate?: boolean | undefined
}

/**
 * A store of fixed-window counts, shared by every limiter that uses it. Both operations must be
 * atomic per key. Times are epoch milliseconds of the caller's Effect `Clock`, passed as `now`
 * (a store may use its own clock instead, consistently).
 *
 * @since 0.1.0
 * @category models
 */
export interface MontaRateLimiterStoreService {
  /**
   * In the window of `key` (a window whose end has passed, or none, starts a new one
   * `[now, now + budget.window)` with count 0): adds `cost` to the count if it stays within
   * `budget.limit` and returns `taken: true`; otherwise changes nothing and returns `taken: false`.
   */
  readonly take: (options: {
    readonly key: string
    readonly budget: RateBudget
    readonly cost: number
    readonly now: number
  }) => Effect.Effect<RateLimitTake, RateLimiterStoreError>
  /**
   * The same as `take`, synchronously, for a store in this process's memory. Optional: when it is
   * there, the limiter uses it on its hot path (a take is then no effect at all).
   */
  readonly unsafeTake?:
    | ((options: {
      readonly key: string
      readonly budget: RateBudget
      readonly cost: number
      readonly now: number
    }) => RateLimitTake)
    | undefined
  /**
   * What the server said about a window (R3). Applies only while the current window of `key` is
   * the one that started at `windowStart`; `windowStart: undefined` (a 429) applies to whatever
   * window is current, starting one at `now` if there is none. Applying means:
   * `count = max(count, used) - refund` (never below 0) and, when `resetsAt` is given,
   * `end = resetsAt` (the server's window wins).
   */
  readonly correct: (options: {
    readonly key: string
    readonly budget: RateBudget
    readonly windowStart: number | undefined
    readonly used: number
    readonly refund: number
    readonly resetsAt: number | undefined
    readonly now: number
  }) => Effect.Effect<void, RateLimiterStoreError>
}

/**
 * The answer of `MontaRateLimiterStoreService.take`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitTake {
  readonly taken: boolean
  /** Start of the current window (its identity). */
  readonly windowStart: number
  /** End of the current window: when a full window has room again. */
  readonly resetsAt: number
  /** Requests left in the current window after this take. */
  readonly remaining: number
}

/**
 * A rate-limit store could not be reached. The limiter logs it and falls back to a memory store
 * of this process (F5), so callers never see it.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimiterStoreError extends Schema.TaggedError<RateLimiterStoreError>(
  "@monta-auth/core/RateLimiterStoreError"
)("RateLimiterStoreError", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Rate-limit store ${this.operation} failed: ${this.detail}`
  }
}

/**
 * The store behind `MontaRateLimiter`: `layerMemory` here, Redis in `@monta-auth/redis`.
 *
 * @since 0.1.0
 * @category services
 */
export class MontaRateLimiterStore extends Context.Tag("@monta-auth/core/MontaRateLimiterStore")<
  MontaRateLimiterStore,
  MontaRateLimiterStoreService
>() {
  /**
   * A store in this process's memory (on the Effect `Clock`). A value, so two mentions of it in
   * one layer graph share one store.
   */
  static readonly layerMemory: Layer.Layer<MontaRateLimiterStore> = Layer.effect(
    MontaRateLimiterStore,
    memoryStore.makeStoreMemory
  )
  /** Builds a memory store (a new one each time it runs). */
  static readonly makeMemory: Effect.Effect<MontaRateLimiterStoreService> = memoryStore.makeStoreMemory
}

/**
 * The credential's request budget, shared by every request of the program (or of the fleet, with
 * a shared store).
 *
 * @example
 * ```ts
 * import { MontaRateLimiter } from "@monta-auth/core"
 * import { Duration } from "effect"
 *
 * // 10 requests per minute, failing fast instead of waiting
 * const Limiter = MontaRateLimiter.layerWithMemoryStore({
 *   rateLimit: { limit: 10, window: Duration.minutes(1) },
 *   onRateLimit: "fail"
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class MontaRateLimiter extends Context.Tag("@monta-auth/core/MontaRateLimiter")<
  MontaRateLimiter,
  MontaRateLimiterService
>() {
  /**
   * The limiter on the `MontaRateLimiterStore` in context (Redis for a fleet), keyed by the
   * credential's clientId.
   */
  static layer(
    options?: RateLimiterOptions | undefined
  ): Layer.Layer<MontaRateLimiter, never, MontaAuth | MontaRateLimiterStore> {
    return Layer.effect(
      MontaRateLimiter,
      Effect.flatMap(
        Effect.all([MontaAuth, MontaRateLimiterStore]),
        ([auth, store]) => internal.makeForAuth(options, auth, store)
      )
    )
  }
  /**
   * The limiter on a store of its own in this process's memory: the default of `MontaHttpClient`.
   * (`MontaRateLimiterStore.layerMemory` is the store alone.)
   */
  static layerWithMemoryStore(
    options?: RateLimiterOptions | undefined
  ): Layer.Layer<MontaRateLimiter, never, MontaAuth> {
    return Layer.provide(MontaRateLimiter.layer(options), MontaRateLimiterStore.layerMemory)
  }
  /**
   * Builds a limiter from a key and a budget (or an effect that finds it), without `MontaAuth`:
   * for tests and benchmarks.
   */
  static make(options: {
    readonly key: string
    readonly budget: RateBudget | Effect.Effect<RateBudget, TokenError | MontaApiError>
    readonly onRateLimit?: OnRateLimit | undefined
    /** See `RateLimiterOptions.calibrate`. Default false here: `take` alone never waits for a response. */
    readonly calibrate?: boolean | undefined
  }): Effect.Effect<MontaRateLimiterService, never, MontaRateLimiterStore> {
    return Effect.flatMap(MontaRateLimiterStore, (store) => internal.make(options, store))
  }
}
