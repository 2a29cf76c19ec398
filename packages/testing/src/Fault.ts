/**
 * The faults MontaFake can inject (SPEC section 7): wrong statuses, bad bodies, delays, drops.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"

/**
 * What the fake does to a request instead of (or before) answering it normally.
 *
 * - `Status`: answer with this status and a JSON error body (or `body`), with optional
 *   `Retry-After` and `RateLimit-ResetsIn` headers (seconds).
 * - `MalformedBody`: 200 with a body that is not JSON.
 * - `EmptyBody`: 200 with an empty body.
 * - `Delay`: wait `duration` on the fake's `Clock`, then answer normally.
 * - `Drop`: drop the connection (in memory the client sees a `RequestError` with reason
 *   `"Transport"`; on the socket server the socket is destroyed).
 * - `ExpiredToken`: answer normally, but a token endpoint issues an access token that is already
 *   expired (its expiration date is the server's now).
 * - `WrongShape`: 200 with JSON that lacks the fields the endpoint normally sends.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = Data.TaggedEnum<{
  Status: {
    readonly status: number
    readonly retryAfter?: number | undefined
    readonly rateLimitResetsIn?: number | undefined
    readonly body?: unknown
  }
  MalformedBody: {}
  EmptyBody: {}
  Delay: { readonly duration: Duration.DurationInput }
  Drop: {}
  ExpiredToken: {}
  WrongShape: {}
}>

/**
 * Constructors and matchers of `Fault`: `Fault.Status({ status: 503, retryAfter: 2 })`,
 * `Fault.Drop()`, `Fault.$is("Drop")`, ...
 *
 * @since 0.1.0
 * @category constructors
 */
export const Fault = Data.taggedEnum<Fault>()

/**
 * A fault for the next `times` (default 1) requests to `path`, a path under `/api/v1` such as
 * `"/auth/token"` or `"/charge-points"` (the query string is ignored; `"*"` matches every path).
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultSpec {
  readonly path: string
  readonly times?: number | undefined
  readonly fault: Fault
}
