/**
 * What the auth endpoints' response headers say about time: the server's `Date` (anchoring expiry,
 * L9) and its hints of when to try again (L7).
 *
 * @internal
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"

const parseHttpDate = (value: string): Option.Option<DateTime.Utc> => {
  const millis = Date.parse(value)
  return Number.isNaN(millis) ? Option.none() : DateTime.make(millis)
}

/** The server's `Date` header, when it parses. */
export const serverDateOf = (response: HttpClientResponse.HttpClientResponse): Option.Option<DateTime.Utc> => {
  const header = response.headers["date"]
  return header === undefined ? Option.none() : parseHttpDate(header)
}

/** The longer of `RateLimit-ResetsIn` and `Retry-After` (seconds or an HTTP date), in milliseconds. */
export const retryHint = (response: HttpClientResponse.HttpClientResponse, now: number): number | undefined => {
  const hints: Array<number> = []
  const resetsIn = Number(response.headers["ratelimit-resetsin"])
  if (response.headers["ratelimit-resetsin"] !== undefined && Number.isFinite(resetsIn) && resetsIn >= 0) {
    hints.push(resetsIn * 1000)
  }
  const retryAfter = response.headers["retry-after"]
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter)
    if (retryAfter.trim() !== "" && Number.isFinite(seconds)) {
      hints.push(Math.max(0, seconds) * 1000)
    } else {
      // An HTTP date, relative to the server's own `Date` when it sent one (its clock may be off).
      const at = parseHttpDate(retryAfter)
      const reference = Option.getOrElse(serverDateOf(response).pipe(Option.map(DateTime.toEpochMillis)), () => now)
      if (Option.isSome(at)) hints.push(Math.max(0, DateTime.toEpochMillis(at.value) - reference))
    }
  }
  return hints.length === 0 ? undefined : Math.max(...hints)
}
