import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"

// SPEC section 9: the metrics of MontaAuth, labelled by client id (never by a secret).

/** @internal */
export const tokenRequests = Metric.counter("monta_auth_token_requests_total", {
  description: "Requests to /auth/token and /auth/refresh, by grant and outcome"
})
/** @internal */
export const secondsUntilExpiry = Metric.gauge("monta_auth_token_seconds_until_expiry", {
  description: "Seconds until the current access token expires, as of its last change"
})
/** @internal */
export const callersWaiting = Metric.gauge("monta_auth_callers_waiting", {
  description: "Callers waiting for a token acquisition or refresh"
})
/** @internal */
export const storeErrors = Metric.counter("monta_auth_token_store_errors_total", {
  description: "Token store operations that failed"
})

const outcomeOf = (exit: Exit.Exit<unknown, { readonly _tag: string }>): string => {
  if (Exit.isSuccess(exit)) return "success"
  const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
  if (failure === undefined) return "interrupted"
  return failure._tag === "AuthEndpointRejected"
    ? "rejected"
    : failure._tag === "MalformedResponse"
    ? "malformed"
    : "failed"
}

/** The metrics of one client id. @internal */
export const forClient = (clientId: string, credential?: string | null) => {
  // `null`: a credential of a `MontaCredentials` with `metricLabels: "none"`, whose series are
  // shared by every credential (each series costs its credential about 650 bytes for good).
  const own: ReadonlyArray<readonly [string, string]> = credential === undefined
    ? [["client_id", clientId]]
    : credential === null
    ? []
    : [["client_id", clientId], ["credential", credential]]
  const labels = (tags: Record<string, string>) =>
    [...own, ...Object.entries(tags)].map(([key, value]) => MetricLabel.make(key, value))
  // The waiting gauge is updated in place (no effect of its own): 10 000 callers at expiry each
  // pass there. Its labels are one kept array: the metric finds its hook by the array's identity,
  // where `Metric.tagged` would make a new array, and so a registry lookup, on every update.
  const waitingLabels: ReadonlyArray<MetricLabel.MetricLabel> = labels({})
  const expiry = Metric.taggedWithLabels(secondsUntilExpiry, labels({}))
  return {
    /** Counts one request to an auth endpoint by its outcome. */
    countRequest:
      (grant: "client_credentials" | "refresh_token") =>
      <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.onExit(
          effect,
          (exit) =>
            Metric.increment(Metric.taggedWithLabels(tokenRequests, labels({ grant, outcome: outcomeOf(exit) })))
        ),
    storeFailed: (operation: string) => Metric.increment(Metric.taggedWithLabels(storeErrors, labels({ operation }))),
    setExpiry: (seconds: number) => Metric.set(expiry, seconds),
    setWaiting: (waiting: number) => callersWaiting.unsafeUpdate(waiting, waitingLabels)
  }
}

/** @internal */
export type ClientMetrics = ReturnType<typeof forClient>
