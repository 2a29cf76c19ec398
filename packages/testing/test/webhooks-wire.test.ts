/**
 * SPEC W5 (issue 15 item 3): the fake's signed deliveries on the wire, received by a real HTTP
 * server on localhost (port 0), the batch timed on the `TestClock`.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { createHmac } from "node:crypto"
import { createServer } from "node:http"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

interface Received {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

/** A localhost server that queues every request it gets (raw body bytes included) and answers 204. */
const receiver = Effect.gen(function*() {
  const queue = yield* Queue.unbounded<Received>()
  const server = yield* HttpServer.HttpServer
  yield* HttpServer.serveEffect(
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const body = new Uint8Array(yield* request.arrayBuffer)
      yield* Queue.offer(queue, { method: request.method, path: request.url, headers: request.headers, body })
      return HttpServerResponse.empty({ status: 204 })
    }).pipe(Effect.orDie)
  )
  const address = server.address
  const port = address._tag === "TcpAddress" ? address.port : 0
  return { queue, url: `http://127.0.0.1:${port}/monta/webhooks` }
})

/** The server of `receiver`, open until the test's scope closes. */
const serverLayer = NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })

describe("MontaFake delivers webhooks on the wire (W5)", () => {
  it.scoped("W5: a localhost server receives the signed batch of a charge point created through the API", () =>
    Effect.gen(function*() {
      const { queue, url } = yield* receiver
      yield* Effect.gen(function*() {
        const fake = yield* MontaFake
        yield* fake.setWebhook({ url, eventTypes: ["charge-points"] })
        const { accessToken } = yield* login()
        const created = yield* send("POST", "/charge-points", { token: accessToken, json: { name: "Wire depot" } })
        assert.strictEqual(created.status, 201)
        yield* TestClock.adjust("2 seconds")
        const post = yield* Queue.take(queue)
        assert.strictEqual(post.method, "POST")
        assert.strictEqual(post.path, "/monta/webhooks")
        assert.match(post.headers["content-type"]!, /^application\/json/)
        const secret = Redacted.value(yield* fake.webhookSecret("demo-client-id"))
        const expected = `sha1=${createHmac("sha1", secret).update(post.body).digest("hex")}`
        assert.strictEqual(post.headers["x-monta-signature"], expected)
        const envelope = JSON.parse(new TextDecoder().decode(post.body)) as {
          readonly entries: ReadonlyArray<{ readonly entityType: string; readonly payload: unknown }>
          readonly pending: number
          readonly timestamp: number
        }
        assert.strictEqual(envelope.timestamp, 2000)
        assert.deepStrictEqual(envelope.entries.map((entry) => entry.entityType), ["charge-point"])
        assert.deepStrictEqual(envelope.entries[0]!.payload, created.body)
        assert.strictEqual(yield* Queue.size(queue), 0)
      }).pipe(Effect.provide(MontaFake.layerTest()))
    }).pipe(Effect.provide(serverLayer)))
})
