/**
 * Exporting traces and metrics with `@effect/opentelemetry`: `npx tsx examples/opentelemetry.ts`.
 *
 * MontaAuth and MontaHttpClient against MontaFake served on localhost, under `NodeSdk.layer`. Every
 * request sent is a client span named as the OpenTelemetry HTTP semantic conventions say (`GET`,
 * `POST /auth/token`) with `http.request.method`, `server.address`, `url.full`,
 * `http.response.status_code`, `error.type` and, on a request sent again, `http.request.resend_count`;
 * MontaAuth's own steps (`MontaAuth.acquire`, `MontaAuthApi.token`, ...) are internal spans around
 * them. The metrics (`http.client.request.duration`, `monta_auth_*`, `monta_rate_limit_remaining`,
 * ...) are Effect metrics, which the SDK's metric reader collects.
 *
 * Here the exporters are in memory and the program prints what they received; in production give
 * `telemetry` an OTLP exporter instead, e.g. `new BatchSpanProcessor(new OTLPTraceExporter())`
 * from `@opentelemetry/exporter-trace-otlp-http` and a `PeriodicExportingMetricReader` over
 * `OTLPMetricExporter`.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import { SpanKind } from "@opentelemetry/api"
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  type MetricReader,
  PeriodicExportingMetricReader
} from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Console, Effect, Layer, Redacted } from "effect"
import { pathToFileURL } from "node:url"

// ---------------------------------------------------------------------------------------------
// The OpenTelemetry SDK: one span processor and one metric reader, whatever their exporters
// ---------------------------------------------------------------------------------------------

/** The SDK as a layer: Effect's spans go to `spanProcessor`, Effect's metrics to `metricReader`. */
export const telemetry = (options: { readonly spanProcessor: SpanProcessor; readonly metricReader: MetricReader }) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: "monta-auth-example", serviceVersion: "0.1.0" },
    spanProcessor: options.spanProcessor,
    metricReader: options.metricReader
  }))

/** In-memory exporters, read on demand (the metric reader exports when flushed). */
export const inMemoryExporters = () => {
  const spans = new InMemorySpanExporter()
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const metricReader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })
  return { spans, metrics, spanProcessor: new SimpleSpanProcessor(spans), metricReader }
}

// ---------------------------------------------------------------------------------------------
// MontaAuth and MontaHttpClient on MontaFake (localhost, a free port)
// ---------------------------------------------------------------------------------------------

/** The client on a fake served on localhost; retries wait 10 ms so the fault below is quick. */
export const MontaOnFake = Layer.unwrapEffect(
  Effect.map(
    MontaFake,
    (fake) =>
      MontaHttpClient.layer({ retry: { baseDelay: "10 millis", maxDelay: "50 millis" } }).pipe(
        Layer.provideMerge(MontaAuth.layer({
          clientId: MontaFake.demoConsumer.clientId,
          clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
          baseUrl: fake.baseUrl
        }))
      )
  )
).pipe(Layer.provideMerge(MontaFake.layerServer({ seed: { chargePoints: 12 } })))

/**
 * A token, a page of charge points, one GET the fake answers 503 once (sent again: its second
 * attempt has `http.request.resend_count` 1), and a refresh of the token.
 */
export const program = Effect.gen(function*() {
  const fake = yield* MontaFake
  const auth = yield* MontaAuth
  const client = yield* MontaHttpClient
  yield* client.get("/charge-points", { urlParams: { perPage: 5 } })
  yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 503 }) })
  yield* client.get("/charge-points/1")
  yield* auth.invalidate()
  yield* auth.accessToken
}).pipe(Effect.withSpan("example.program"))

// ---------------------------------------------------------------------------------------------
// Run: the program under the SDK, then what the exporters received
// ---------------------------------------------------------------------------------------------

/**
 * What the exporters hold once the metric reader is flushed. Read inside the SDK's scope: closing
 * it shuts the span exporter down, which empties it.
 */
export const exported = (exporters: ReturnType<typeof inMemoryExporters>) =>
  Effect.promise(() => exporters.metricReader.forceFlush()).pipe(
    Effect.map(() => ({
      spans: exporters.spans.getFinishedSpans().slice(),
      metrics: exporters.metrics.getMetrics().flatMap((resource) =>
        resource.scopeMetrics.flatMap((scope) => scope.metrics)
      )
    }))
  )

const main = Effect.gen(function*() {
  const exporters = inMemoryExporters()
  const { metrics, spans } = yield* program.pipe(
    Effect.zipRight(exported(exporters)),
    Effect.provide(MontaOnFake),
    Effect.provide(telemetry(exporters))
  )
  const shown = [
    "http.request.method",
    "url.full",
    "http.response.status_code",
    "error.type",
    "http.request.resend_count"
  ]
  const ours = spans.filter((span) => span.kind !== SpanKind.SERVER)
  yield* Console.log(`${spans.length} spans, ${ours.length} of them ours (the fake's own server spans left out):`)
  for (const span of ours) {
    const attributes = shown.filter((key) => span.attributes[key] !== undefined)
      .map((key) => `${key}=${String(span.attributes[key])}`)
    yield* Console.log(
      `  ${SpanKind[span.kind].toLowerCase().padEnd(8)} ${span.name.padEnd(22)} ${attributes.join(" ")}`
    )
  }
  yield* Console.log(`\n${metrics.length} metrics:`)
  for (const metric of metrics) {
    yield* Console.log(`  ${metric.descriptor.name} (${metric.descriptor.unit}, ${metric.dataPoints.length} series)`)
  }
})

// Runs when started as a program (`tsx examples/opentelemetry.ts`), not when a test imports it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  Effect.runPromise(main).catch((error: unknown) => {
    console.error(`opentelemetry example failed: ${String(error)}`)
    process.exitCode = 1
  })
}
