import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import { AuthEvent } from "../AuthEvent.js"
import type { RetryInput } from "../MontaAuth.js"
import type {
  AuthEndpoint,
  AuthEndpointFailed,
  AuthEndpointRejected,
  InvalidCredentials,
  MalformedResponse
} from "../MontaError.js"
import { TokenRequestFailed } from "../MontaError.js"
import { currentResendCount } from "./httpSpan.js"
import { stepper } from "./retryPolicy.js"

/** The server issued an access token that is already expired (by its own date): worth a retry. */
export class ExpiredIssued extends Data.TaggedError("ExpiredIssued")<{ readonly endpoint: AuthEndpoint }> {}

type Failure = AuthEndpointFailed | ExpiredIssued | InvalidCredentials | MalformedResponse | AuthEndpointRejected

const describe = (error: Failure): string => {
  switch (error._tag) {
    case "AuthEndpointFailed":
      return `${error.endpoint} ${error.reason}${error.status !== undefined ? ` (HTTP ${error.status})` : ""}`
    case "ExpiredIssued":
      return `${error.endpoint} issued an access token that is already expired`
    case "MalformedResponse":
      return `malformed response (HTTP ${error.status}): ${error.problem}`
    case "InvalidCredentials":
      return `credentials refused (HTTP ${error.status})`
    case "AuthEndpointRejected":
      return `${error.endpoint} refused the request (HTTP ${error.status})`
  }
}

/** Which token endpoint failed: a malformed answer says it by its URL, refused credentials are `/auth/token`'s. */
const endpointOf = (error: Failure): "/auth/token" | "/auth/refresh" => {
  switch (error._tag) {
    case "InvalidCredentials":
      return "/auth/token"
    case "MalformedResponse":
      return error.url.endsWith("/auth/refresh") ? "/auth/refresh" : "/auth/token"
    default:
      return error.endpoint === "/auth/refresh" ? "/auth/refresh" : "/auth/token"
  }
}

const toRequestFailed = (error: AuthEndpointFailed | ExpiredIssued, attempts: number): TokenRequestFailed =>
  error._tag === "ExpiredIssued"
    ? new TokenRequestFailed({ endpoint: error.endpoint, reason: "ExpiredToken", attempts })
    : new TokenRequestFailed({
      endpoint: error.endpoint,
      reason: error.status === 429 ? "RateLimited" : error.reason,
      ...(error.status !== undefined ? { status: error.status } : {}),
      attempts
    })

/**
 * L7: transient failures of the auth endpoints are retried on the retry Schedule (ours or the
 * user's), honouring the server's hint; then, or for a failure that is not transient, a typed
 * error. With `publish`, each failed attempt is a `RefreshFailed` event naming its endpoint (and a 429 that pauses, a
 * `RateLimitPaused` one), said before the pause.
 *
 * @internal
 */
export const retrying = (
  schedule: Schedule.Schedule<unknown, RetryInput>,
  publish: ((event: AuthEvent) => void) | undefined
) =>
<A, E extends InvalidCredentials | MalformedResponse | AuthEndpointRejected>(
  effect: Effect.Effect<A, E | AuthEndpointFailed | ExpiredIssued>
): Effect.Effect<A, E | TokenRequestFailed> =>
  Effect.suspend(() => {
    const next = stepper(schedule)
    let attempt = 0
    const run: Effect.Effect<A, E | TokenRequestFailed> = Effect.catchAll(
      effect,
      (error: E | AuthEndpointFailed | ExpiredIssued) =>
        Effect.gen(function*() {
          attempt++
          const transient = error._tag === "ExpiredIssued" || (error._tag === "AuthEndpointFailed" && error.transient)
          const hintMillis = error._tag === "AuthEndpointFailed" ? error.retryAfter : undefined
          const delay = transient ? yield* next(hintMillis === undefined ? {} : { hintMillis }) : undefined
          if (publish !== undefined && error._tag !== "AuthEndpointRejected") {
            if (delay !== undefined && error._tag === "AuthEndpointFailed" && error.status === 429) {
              const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
              publish(AuthEvent.RateLimitPaused({ until: now + delay, reason: `${error.endpoint} answered 429` }))
            }
            publish(AuthEvent.RefreshFailed({
              endpoint: endpointOf(error),
              reason: describe(error),
              attempt,
              retryIn: delay !== undefined ? Duration.millis(delay) : undefined
            }))
          }
          if (delay === undefined) {
            return yield* (error._tag === "AuthEndpointFailed" || error._tag === "ExpiredIssued"
              ? Effect.fail(toRequestFailed(error, attempt))
              : Effect.fail(error as E))
          }
          yield* Effect.sleep(Duration.millis(delay))
          return yield* Effect.locally(run, currentResendCount, attempt)
        })
    )
    return run
  })
