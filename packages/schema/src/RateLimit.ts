/**
 * The `RateLimit-*` response headers of the Monta Partner API, as a schema over the lowercase
 * header record that `@effect/platform` gives.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

// Finite: a header saying "Infinity" must not become an endless wait.
const numberHeader = (name: string) =>
  Schema.optional(Schema.NumberFromString.pipe(Schema.finite(), Schema.nonNegative())).pipe(Schema.fromKey(name))

/**
 * `RateLimit-Policy`, `RateLimit-Quota`, `RateLimit-TimeWindow` (seconds), `RateLimit-Remaining`
 * and `RateLimit-ResetsIn` (seconds), each optional (a missing header is an absent key), the counts
 * finite and non-negative, plus the undocumented `Retry-After` (seconds or an HTTP date) kept as
 * sent.
 *
 * @example
 * ```ts
 * import { RateLimitHeaders } from "@monta-auth/schema"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(RateLimitHeaders)({ "ratelimit-remaining": "998", "ratelimit-resetsin": "42" })
 * // { remaining: 998, resetsInSeconds: 42 }
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const RateLimitHeaders = Schema.Struct({
  policy: Schema.optional(Schema.String).pipe(Schema.fromKey("ratelimit-policy")),
  quota: numberHeader("ratelimit-quota"),
  timeWindowSeconds: numberHeader("ratelimit-timewindow"),
  remaining: numberHeader("ratelimit-remaining"),
  resetsInSeconds: numberHeader("ratelimit-resetsin"),
  retryAfter: Schema.optional(Schema.String).pipe(Schema.fromKey("retry-after"))
})

/**
 * The decoded rate-limit headers.
 *
 * @since 0.1.0
 * @category models
 */
export type RateLimitHeaders = typeof RateLimitHeaders.Type

/**
 * The policy value of endpoints that do not count against the budget.
 *
 * @since 0.1.0
 * @category models
 */
export const fairUsePolicy = "Fair-Use"
