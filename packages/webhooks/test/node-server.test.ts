import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpServer from "@effect/platform/HttpServer"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { createServer } from "node:http"
import { MontaWebhook } from "../src/index.js"
import type { WebhookBatch } from "../src/index.js"
import { batchBody, entry, recordingTracer, secret, secretText } from "./support.js"

/** A Node HTTP server on a free localhost port; succeeds with its base URL. */
const serve = <R>(app: Layer.Layer<never, never, HttpServer.HttpServer | R>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      Layer.provideMerge(app, NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
    const address = Layer.succeedContext(context).pipe(() => context)
    const server = yield* Effect.provide(HttpServer.HttpServer, address)
    const where = server.address as HttpServer.TcpAddress
    return `http://127.0.0.1:${where.port}/webhooks/monta`
  })

const send = (url: string, body: string, signature: string | undefined, headers: Record<string, string> = {}) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(
      HttpClientRequest.post(url).pipe(
        HttpClientRequest.setHeaders({
          ...headers,
          ...(signature === undefined ? {} : { "X-Monta-Signature": signature })
        }),
        HttpClientRequest.bodyText(body, "application/json")
      )
    )).pipe(Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text }))))

const chunksOf = (text: string, size: number) => {
  const bytes = new TextEncoder().encode(text)
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.slice(i * size, (i + 1) * size))
}

describe("MontaWebhook.handler on a real Node HTTP server", () => {
  it.scoped("W4: 200 once onBatch succeeded, 200 without a second hand-over for a redelivery, 401, 400, 413, 500", () =>
    Effect.gen(function*() {
      const handed = yield* Ref.make<ReadonlyArray<WebhookBatch>>([])
      const failNext = yield* Ref.make(false)
      const app = MontaWebhook.handler(
        { secret, maxBodyBytes: 8 * 1024 },
        (batch) =>
          Effect.flatMap(
            Ref.getAndSet(failNext, false),
            (fail) => fail ? Effect.fail("downstream unavailable") : Ref.update(handed, (all) => [...all, batch])
          )
      )
      const url = yield* serve(HttpServer.serve(app))
      const now = yield* Clock.currentTimeMillis

      const body = batchBody(now, [entry("1"), entry("2")])
      const ok = yield* send(url, body, MontaWebhook.sign(secret, body))
      assert.deepStrictEqual(ok, { status: 200, text: "" })
      const again = yield* send(url, body, MontaWebhook.sign(secret, body))
      assert.strictEqual(again.status, 200)
      assert.strictEqual((yield* Ref.get(handed)).length, 1)

      assert.deepStrictEqual(yield* send(url, body, undefined), { status: 401, text: "" })
      assert.deepStrictEqual(yield* send(url, body, "sha1=" + "f".repeat(40)), { status: 401, text: "" })
      assert.deepStrictEqual(yield* send(url, "{}", MontaWebhook.sign(secret, "{}")), { status: 400, text: "" })

      const big = batchBody(now, Array.from({ length: 100 }, (_, i) => entry(String(100 + i))))
      assert.strictEqual((yield* send(url, big, MontaWebhook.sign(secret, big))).status, 413)

      yield* Ref.set(failNext, true)
      const next = batchBody(now, [entry("3")])
      assert.strictEqual((yield* send(url, next, MontaWebhook.sign(secret, next))).status, 500)
      assert.strictEqual((yield* send(url, next, MontaWebhook.sign(secret, next))).status, 200)
      const batches = yield* Ref.get(handed)
      assert.deepStrictEqual(batches.map((b) => b.entries.map((e) => e.entityId)), [["1", "2"], ["3"]])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("W4: a chunked body (no Content-Length) over the cap is 413 from the bytes counted", () =>
    Effect.gen(function*() {
      const handed = yield* Ref.make(0)
      const url = yield* serve(
        HttpServer.serve(MontaWebhook.handler({ secret, maxBodyBytes: 2048 }, () => Ref.update(handed, (n) => n + 1)))
      )
      const now = yield* Clock.currentTimeMillis
      const big = batchBody(now, Array.from({ length: 20 }, (_, i) => entry(String(i))))
      assert.isTrue(big.length > 2048 && big.length < 4096, String(big.length))
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.setHeader("X-Monta-Signature", MontaWebhook.sign(secret, big)),
          HttpClientRequest.bodyStream(Stream.make(...chunksOf(big, 500)), {
            contentType: "application/json"
          })
        )
      )
      assert.strictEqual(response.status, 413)
      assert.strictEqual(yield* Ref.get(handed), 0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("W4: layerConfig serves the handler with MONTA_WEBHOOK_SECRET from the config", () =>
    Effect.gen(function*() {
      const handed = yield* Ref.make(0)
      const { spans, tracer } = recordingTracer()
      const layer = MontaWebhook.layerConfig({}, () => Ref.update(handed, (n) => n + 1)).pipe(
        Layer.orDie,
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({ MONTA_WEBHOOK_SECRET: secretText }))),
        Layer.provide(Layer.setTracer(tracer))
      )
      const url = yield* serve(layer)
      const body = batchBody(yield* Clock.currentTimeMillis)
      assert.strictEqual((yield* send(url, body, MontaWebhook.sign(secret, body))).status, 200)
      assert.strictEqual((yield* send(url, body, undefined)).status, 401)
      assert.strictEqual(yield* Ref.get(handed), 1)
      const server = spans.find((span) => span.name.startsWith("http.server"))
      assert.strictEqual(server?.attributes.get("http.request.header.x-monta-signature"), "<redacted>")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
