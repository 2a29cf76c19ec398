import * as Duration from "effect/Duration"
import type * as Api from "../MontaRateLimiter.js"

/** The provider's documented window (1000 requests per 600 s): no hint within it is clamped. */
const documentedWindowMillis = 600_000

/**
 * The `RateLimit-ResetsIn` header counts whole seconds: a server that rounds down or up can be
 * this far off the real end of its window.
 *
 * @internal
 */
export const headerGranularityMillis = 1000

/**
 * L14: a server hint never pauses for longer than the longest window known (the budget's, the
 * server's, at least the documented 600 s): a ResetsIn of 1e12 or a Retry-After in 9999 is a
 * broken header, not a reason to wait for ever. A pause the program asks for itself is not a hint.
 *
 * @internal
 */
export const longestWindow = (
  current: Api.RateBudget,
  serverWindowMillis: number,
  headerWindowSeconds: number | undefined
): number =>
  Math.max(
    documentedWindowMillis,
    Duration.toMillis(current.window),
    serverWindowMillis,
    headerWindowSeconds === undefined ? 0 : headerWindowSeconds * 1000
  ) + headerGranularityMillis

/** A pause end no later than `longest` from now, with the clamp said in the reason. @internal */
export const clampHint = (requested: number, now: number, longest: number, reason: string) =>
  requested - now <= longest ? { until: requested, reason } : {
    until: now + longest,
    reason: `${reason}; the server's hint of ${Duration.format(Duration.millis(requested - now))} was clamped to ${
      Duration.format(Duration.millis(longest))
    }`
  }

const slackOf = (resetsInSeconds: number) => Number.isInteger(resetsInSeconds) ? headerGranularityMillis : 0

/**
 * R3: how long a 429 pauses every caller: `RateLimit-ResetsIn` (rounded late), else `Retry-After`,
 * else the end of the window the request was counted in, else one window.
 *
 * @internal
 */
export const pauseEndOf429 = (
  headers: { readonly resetsInSeconds?: number | undefined; readonly retryAfterMillis?: number | undefined },
  now: number,
  permitResetsAt: number | undefined,
  current: Api.RateBudget
): number =>
  headers.resetsInSeconds !== undefined
    ? now + headers.resetsInSeconds * 1000 + slackOf(headers.resetsInSeconds)
    : headers.retryAfterMillis !== undefined
    ? now + headers.retryAfterMillis
    : permitResetsAt !== undefined && permitResetsAt > now
    ? permitResetsAt
    : now + Duration.toMillis(current.window)

/**
 * R2: the end of the window a response says, when it should replace the local one. Within the
 * header's precision the local end (the send time of the window's first request) is the better
 * estimate; further off, the server's window wins, rounded late. A budget on another window than
 * the server's takes the server's end as it is.
 *
 * @internal
 */
export const correctedWindowEnd = (
  resetsInSeconds: number | undefined,
  aligned: boolean,
  now: number,
  localEnd: number
): number | undefined => {
  if (resetsInSeconds === undefined) return undefined
  const slack = slackOf(resetsInSeconds)
  if (!aligned) return now + resetsInSeconds * 1000 + slack
  const exact = now + resetsInSeconds * 1000
  return localEnd < exact - slack || localEnd > exact + slack ? exact + slack : undefined
}
