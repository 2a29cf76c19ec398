/**
 * SPEC section 9 with the OpenTelemetry SDK: examples/opentelemetry.ts's program under
 * `NodeSdk.layer`, its spans and metrics received by in-memory exporters, and the example run as a
 * user runs it (a process through tsx).
 */
import { HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { DataPointType, type HistogramMetricData, type MetricData } from "@opentelemetry/sdk-metrics"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { runProcess } from "../packages/cli/test/run-cli.js"
import { exported, inMemoryExporters, MontaOnFake, program, telemetry } from "./opentelemetry.js"

const semconvBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
const querySecret = "query-signature-0123456789"

/**
 * The example's program and one request with a signature in its query, under the SDK; what the
 * exporters received, the fake's address, and every secret of the run (the client secret and each
 * token pair the fake issued).
 */
const run = Effect.gen(function*() {
  const exporters = inMemoryExporters()
  return yield* Effect.gen(function*() {
    yield* program
    const client = yield* MontaHttpClient
    yield* client.get("/charge-points/2", { urlParams: { signature: querySecret } })
    const fake = yield* MontaFake
    const secrets = new Map([["client secret", MontaFake.demoConsumer.clientSecret], ["query signature", querySecret]])
    for (const pair of yield* fake.tokensOf(MontaFake.demoConsumer.clientId)) {
      secrets.set(`access token ${pair.accessToken.slice(0, 6)}`, pair.accessToken)
      secrets.set(`refresh token ${pair.refreshToken.slice(0, 6)}`, pair.refreshToken)
    }
    const received = yield* exported(exporters)
    return { ...received, secrets, baseUrl: fake.baseUrl }
  }).pipe(Effect.provide(MontaOnFake), Effect.provide(telemetry(exporters)))
})

const clientSpans = (spans: ReadonlyArray<ReadableSpan>) => spans.filter((span) => span.kind === SpanKind.CLIENT)
const parentOf = (spans: ReadonlyArray<ReadableSpan>, span: ReadableSpan) =>
  spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId)
const metricNamed = (metrics: ReadonlyArray<MetricData>, name: string) => {
  const metric = metrics.find((metric) => metric.descriptor.name === name)
  assert.isDefined(metric, `metric ${name} exported`)
  return metric!
}

describe("OpenTelemetry export (SPEC 9, issue 14 item 4)", () => {
  it.live("SPEC 9: one client span per attempt, named and attributed by the HTTP semantic conventions", () =>
    Effect.gen(function*() {
      const { baseUrl, spans } = yield* run
      const server = new URL(baseUrl)
      const clients = clientSpans(spans)
      assert.deepStrictEqual(
        [...new Set(clients.map((span) => span.name))].sort(),
        ["GET", "GET /consumers/me", "POST /auth/refresh", "POST /auth/token"]
      )
      // The platform's own client span is off for our requests (H8): no `http.client GET`.
      assert.deepStrictEqual(spans.filter((span) => span.name.startsWith("http.client")).map((span) => span.name), [])
      for (const span of clients) {
        const attributes = span.attributes
        assert.strictEqual(attributes["http.request.method"], span.name.split(" ")[0])
        assert.strictEqual(attributes["server.address"], server.hostname)
        assert.strictEqual(attributes["server.port"], Number(server.port))
        assert.isTrue(String(attributes["url.full"]).startsWith(`${baseUrl}/`), String(attributes["url.full"]))
        assert.isNumber(attributes["http.response.status_code"])
      }
      // The trace context went to the server: the fake's server span of each request is its child.
      const served = spans.filter((span) => span.kind === SpanKind.SERVER)
      assert.isAbove(served.length, 5)
      for (const span of served) assert.strictEqual(parentOf(spans, span)?.kind, SpanKind.CLIENT, span.name)
      const token = clients.find((span) => span.name === "POST /auth/token")!
      assert.strictEqual(token.attributes["url.template"], "/auth/token")
      assert.strictEqual(token.attributes["url.full"], `${baseUrl}/auth/token`)
    }))

  it.live("SPEC 9: no trace context goes to the server under HttpClient.withTracerPropagation(false)", () =>
    Effect.gen(function*() {
      const exporters = inMemoryExporters()
      const { spans } = yield* Effect.gen(function*() {
        const client = (yield* MontaHttpClient).pipe(HttpClient.withTracerPropagation(false))
        yield* client.get("/charge-points/3")
        return yield* exported(exporters)
      }).pipe(Effect.provide(MontaOnFake), Effect.provide(telemetry(exporters)))
      const attempt = clientSpans(spans).find((span) => span.name === "GET")
      assert.isDefined(attempt)
      const served = spans.find((span) => span.kind === SpanKind.SERVER && span.name === "http.server GET")
      assert.isDefined(served)
      assert.isUndefined(served!.attributes["http.request.header.traceparent"])
      assert.notStrictEqual(served!.spanContext().traceId, attempt!.spanContext().traceId)
    }))

  it.live("SPEC 9: a request sent again: http.request.resend_count 1 on the second attempt, error.type on the first", () =>
    Effect.gen(function*() {
      const { baseUrl, spans } = yield* run
      const attempts = clientSpans(spans).filter((span) => span.attributes["url.full"] === `${baseUrl}/charge-points/1`)
      assert.deepStrictEqual(
        attempts.map((span) => [
          span.attributes["http.response.status_code"],
          span.attributes["error.type"],
          span.attributes["http.request.resend_count"],
          span.status.code
        ]),
        [[503, "503", undefined, SpanStatusCode.ERROR], [200, undefined, 1, SpanStatusCode.OK]]
      )
      // The failed attempt ends with our typed error, recorded as the span's exception.
      assert.include(attempts[0]!.status.message ?? "", "503")
      assert.isTrue(attempts[0]!.events.some((event) => event.name === "exception"))
      // No first attempt carries a resend count.
      const first = clientSpans(spans).filter((span) => span.attributes["url.full"] !== `${baseUrl}/charge-points/1`)
      assert.isTrue(first.every((span) => span.attributes["http.request.resend_count"] === undefined))
    }))

  it.live("SPEC 9: a retried /auth/token carries http.request.resend_count too", () =>
    Effect.gen(function*() {
      const exporters = inMemoryExporters()
      const { spans } = yield* Effect.gen(function*() {
        const fake = yield* MontaFake
        yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 503 }) })
        const auth = yield* MontaAuth
        yield* auth.accessToken
        return yield* exported(exporters)
      }).pipe(Effect.provide(MontaOnFake), Effect.provide(telemetry(exporters)))
      const tokens = clientSpans(spans).filter((span) => span.name === "POST /auth/token")
      assert.deepStrictEqual(
        tokens.map((
          span
        ) => [span.attributes["http.response.status_code"], span.attributes["http.request.resend_count"]]),
        [[503, undefined], [200, 1]]
      )
    }))

  it.live("SPEC 9: our own steps are internal spans around the client spans", () =>
    Effect.gen(function*() {
      const { spans } = yield* run
      const own = spans.filter((span) => span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.SERVER)
      for (const name of ["MontaAuth.acquire", "MontaAuthApi.token", "MontaAuthApi.refresh", "MontaAuthApi.me"]) {
        assert.isTrue(own.some((span) => span.name === name), name)
      }
      assert.deepStrictEqual(own.filter((span) => span.kind !== SpanKind.INTERNAL).map((span) => span.name), [])
      for (
        const [client, parent] of [["POST /auth/token", "MontaAuthApi.token"], [
          "POST /auth/refresh",
          "MontaAuthApi.refresh"
        ]]
      ) {
        const span = spans.find((span) => span.name === client)!
        assert.strictEqual(parentOf(spans, span)?.name, parent)
      }
    }))

  it.live("SPEC 9: http.client.request.duration, seconds in the semconv buckets, by method, status, server and error.type", () =>
    Effect.gen(function*() {
      const { baseUrl, metrics } = yield* run
      const server = new URL(baseUrl)
      const duration = metricNamed(metrics, "http.client.request.duration") as HistogramMetricData
      assert.strictEqual(duration.dataPointType, DataPointType.HISTOGRAM)
      assert.strictEqual(duration.descriptor.unit, "s")
      const series = (status: string) =>
        duration.dataPoints.find((point) =>
          point.attributes["http.request.method"] === "GET" &&
          point.attributes["http.response.status_code"] === status &&
          point.attributes["server.address"] === server.hostname && point.attributes["server.port"] === server.port
        )
      const failed = series("503")
      assert.isDefined(failed)
      assert.strictEqual(failed!.attributes["error.type"], "503")
      assert.isAtLeast(failed!.value.count, 1)
      assert.deepStrictEqual(failed!.value.buckets.boundaries, semconvBuckets)
      const ok = series("200")
      assert.isDefined(ok)
      assert.isUndefined(ok!.attributes["error.type"])
      assert.isAtLeast(ok!.value.count, 3)
      assert.isAbove(ok!.value.sum ?? 0, 0)
      assert.isBelow((ok!.value.sum ?? 0) / ok!.value.count, 5, "seconds, not milliseconds")
    }))

  it.live("SPEC 9: the resend count and the budget left per client id are exported", () =>
    Effect.gen(function*() {
      const { metrics } = yield* run
      const retries = metricNamed(metrics, "monta_http_retries")
      assert.isTrue(
        retries.dataPoints.some((point) => point.attributes["reason"] === "503" && Number(point.value) >= 1),
        JSON.stringify(retries.dataPoints)
      )
      const remaining = metricNamed(metrics, "monta_rate_limit_remaining")
      const point = remaining.dataPoints.find((point) =>
        point.attributes["monta.client_id"] === MontaFake.demoConsumer.clientId
      )
      assert.isDefined(point)
      const left = Number(point!.value)
      assert.isAbove(left, 0)
      assert.isBelow(left, MontaFake.demoConsumer.rateLimit ?? 1000)
    }))

  it.live("H8: no secret, token or query signature in any exported span or metric", () =>
    Effect.gen(function*() {
      const { metrics, secrets, spans } = yield* run
      assert.isAtLeast(secrets.size, 6, "the client secret, the signature and two token pairs")
      // The fake's own server spans are the provider's side of the wire (it sees what we send): not ours.
      const ours = spans.filter((span) => span.kind !== SpanKind.SERVER)
      assert.isAbove(ours.length, 10)
      const texts = [
        ...ours.map((span) =>
          JSON.stringify({
            name: span.name,
            attributes: span.attributes,
            events: span.events,
            status: span.status,
            links: span.links
          })
        ),
        ...metrics.map((metric) => JSON.stringify(metric.dataPoints.map((point) => point.attributes)))
      ]
      const hits = texts.flatMap((text) =>
        [...secrets].filter(([, secret]) => text.includes(secret)).map(([what]) => `${what} in ${text}`)
      )
      assert.deepStrictEqual(hits, [])
      // The signature was there to find: its key is kept, its value redacted (semconv url.full).
      assert.isTrue(texts.some((text) => text.includes("signature=REDACTED")))
      // The bearer header is recorded, redacted, where a leak would be.
      assert.isTrue(spans.some((span) => span.attributes["http.request.header.authorization"] !== undefined))
    }))

  it.live("examples/opentelemetry.ts runs as a program and prints what it exported", () =>
    Effect.gen(function*() {
      const root = fileURLToPath(new URL("..", import.meta.url))
      const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url))
      const result = yield* runProcess(tsx, ["examples/opentelemetry.ts"], { cwd: root })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      assert.match(result.stdout, /^ {2}client +POST \/auth\/token +http\.request\.method=POST/m)
      assert.match(result.stdout, /^ {2}client +GET .*http\.response\.status_code=503 error\.type=503$/m)
      assert.match(result.stdout, /^ {2}client +GET .*http\.response\.status_code=200 http\.request\.resend_count=1$/m)
      assert.match(result.stdout, /^ {2}internal +MontaAuthApi\.token/m)
      assert.match(result.stdout, /^ {2}http\.client\.request\.duration \(s, \d+ series\)$/m)
      assert.match(result.stdout, /^ {2}monta_rate_limit_remaining /m)
    }), 60_000)
})
