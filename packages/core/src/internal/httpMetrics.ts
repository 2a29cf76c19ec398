import * as Metric from "effect/Metric"
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
