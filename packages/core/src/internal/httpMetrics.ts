import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

// ---------------------------------------------------------------------------------------------
// metrics
// ---------------------------------------------------------------------------------------------

/** @internal */
export const httpRequests = Metric.counter("monta_http_requests", {
  description: "Requests sent by MontaHttpClient, by response status (\"error\" when none came)",
  incremental: true
})

// Counted in place (no effect of its own): every request passes here. The labels of each status
// are one array, kept: the metric finds its hook by the array's identity (a new array per update,
// as `Metric.tagged` makes, is a registry lookup each time).
const statusLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
/** @internal */
export const countRequest = (status: string): void => {
  let labels = statusLabels.get(status)
  if (labels === undefined) {
    labels = [MetricLabel.make("status", status)]
    statusLabels.set(status, labels)
  }
  httpRequests.unsafeUpdate(1, labels)
}

/** @internal */
export const httpRetries = Metric.counter("monta_http_retries", {
  description: "Requests MontaHttpClient sent again, by reason",
  incremental: true
})

// The OpenTelemetry HTTP client metric (semantic conventions): one observation per attempt sent.
// Its unit travels as a `unit` label on every observation, the one place @effect/opentelemetry
// reads a unit from (it is exported as an attribute too).

/** @internal */
export const requestDuration = Metric.histogram(
  "http.client.request.duration",
  MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]),
  "Duration of HTTP client requests."
)

/**
 * Records one attempt's duration for a server: the label arrays of each (method, status, error
 * type) are made once and kept, as `countRequest` keeps its own.
 *
 * @internal
 */
export const durationRecorder = (serverAddress: string, serverPort: number) => {
  const server = [
    MetricLabel.make("server.address", serverAddress),
    MetricLabel.make("server.port", String(serverPort)),
    MetricLabel.make("unit", "s")
  ]
  const labelSets = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
  return (seconds: number, method: string, status: number | undefined, errorType: string | undefined): void => {
    const key = `${method} ${status ?? ""} ${errorType ?? ""}`
    let labels = labelSets.get(key)
    if (labels === undefined) {
      labels = [
        MetricLabel.make("http.request.method", method),
        ...server,
        ...(status === undefined ? [] : [MetricLabel.make("http.response.status_code", String(status))]),
        ...(errorType === undefined ? [] : [MetricLabel.make("error.type", errorType)])
      ]
      labelSets.set(key, labels)
    }
    requestDuration.unsafeUpdate(seconds, labels)
  }
}
