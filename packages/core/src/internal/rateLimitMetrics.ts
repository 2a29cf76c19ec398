import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

// The metrics of the rate limiter (SPEC section 9).

/** @internal */
export const rateLimitWaits = Metric.counter("monta_rate_limit_waits", {
  description: "Requests that waited for the Monta rate budget",
  incremental: true
})

/** @internal */
export const rateLimitWaitSeconds = Metric.histogram(
  "monta_rate_limit_wait_seconds",
  MetricBoundaries.exponential({ start: 0.01, factor: 4, count: 10 }),
  "How long requests waited for the Monta rate budget"
)

/** @internal */
export const rateLimitRefusals = Metric.counter("monta_rate_limit_refusals", {
  description: "Requests refused with RateLimited because the budget was spent (onRateLimit: fail)",
  incremental: true
})

/** @internal */
export const rateLimitPauses = Metric.counter("monta_rate_limit_pauses", {
  description: "Times every caller paused after a 429 from Monta",
  incremental: true
})

/** @internal */
export const rateLimitRemaining = Metric.gauge("monta_rate_limit_remaining", {
  description: "Requests left in the current window of the Monta rate budget, by client id, as last counted"
})

/**
 * Sets the budget left for one client id (its label array made once).
 *
 * @internal
 */
export const remainingRecorder = (clientId: string) => {
  const labels = [MetricLabel.make("monta.client_id", clientId)]
  return (remaining: number): void => rateLimitRemaining.unsafeUpdate(remaining, labels)
}
