import { fairUsePolicy } from "@monta-auth/schema"

/** @internal */
export interface ParsedRateLimitHeaders {
  readonly fairUse: boolean
  readonly quota: number | undefined
  readonly timeWindowSeconds: number | undefined
  readonly remaining: number | undefined
  readonly resetsInSeconds: number | undefined
  /** `Retry-After` as a delay in milliseconds (a date is taken relative to the `Date` header). */
  readonly retryAfterMillis: number | undefined
}

const nonNegative = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const number = Number(value)
  return Number.isFinite(number) && number >= 0 ? number : undefined
}

const fairUseLower = fairUsePolicy.toLowerCase()

/**
 * `Retry-After` in milliseconds: delta-seconds, or an HTTP date taken relative to the response's
 * `Date` header (the server's clock), else relative to `now`.
 *
 * @internal
 */
export const parseRetryAfter = (
  headers: Readonly<Record<string, string>>,
  now?: number | undefined
): number | undefined => {
  const value = headers["retry-after"]
  if (value === undefined) return undefined
  const seconds = nonNegative(value)
  if (seconds !== undefined) return seconds * 1000
  const at = Date.parse(value)
  if (Number.isNaN(at)) return undefined
  const serverNow = headers["date"] !== undefined ? Date.parse(headers["date"]) : Number.NaN
  const reference = Number.isNaN(serverNow) ? now : serverNow
  return reference === undefined ? undefined : Math.max(0, at - reference)
}

/**
 * The `RateLimit-*` headers of a response (lower-case names, as `@effect/platform` gives them),
 * read without allocating a schema decode on every response.
 *
 * @internal
 */
export const parseRateLimitHeaders = (headers: Readonly<Record<string, string>>): ParsedRateLimitHeaders => {
  const policy = headers["ratelimit-policy"]
  return {
    fairUse: policy !== undefined && policy.trim().toLowerCase() === fairUseLower,
    quota: nonNegative(headers["ratelimit-quota"]),
    timeWindowSeconds: nonNegative(headers["ratelimit-timewindow"]),
    remaining: nonNegative(headers["ratelimit-remaining"]),
    resetsInSeconds: nonNegative(headers["ratelimit-resetsin"]),
    retryAfterMillis: parseRetryAfter(headers)
  }
}
