import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpServer from "@effect/platform/HttpServer"
import { assert, describe, it } from "@effect/vitest"
import { MontaFake } from "@monta-auth/testing"
import type { WebhookBatch } from "@monta-auth/webhooks"
import { MontaWebhook } from "@monta-auth/webhooks"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { createServer } from "node:http"
import { runCli, startCli } from "./run-cli.js"

const Token = Schema.Struct({ accessToken: Schema.String })
const ChargePoint = Schema.Struct({ id: Schema.Number })

describe("monta-auth fake-server --webhook-url (the real binary delivering to a localhost receiver)", () => {
  it.live(
    "W5: a charge point created through the fake reaches MontaWebhook.handler signed with the printed secret",
    () =>
      Effect.gen(function*() {
        // The receiver listens first; its handler is built once the fake has printed the secret.
        const app = yield* Deferred.make<HttpApp.Default>()
        const received = yield* Deferred.make<WebhookBatch>()
        const server = yield* Layer.build(
          HttpServer.serve(Effect.flatMap(Deferred.await(app), (handler) => handler)).pipe(
            Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
          )
        )
        const address = (yield* Effect.provide(HttpServer.HttpServer, server)).address as HttpServer.TcpAddress
        const hookUrl = `http://127.0.0.1:${address.port}/hooks/monta`

        const cli = yield* startCli(
          ["fake-server", "--port", "0", "--webhook-url", hookUrl],
          /MONTA_WEBHOOK_SECRET=(\S+)\n[\s\S]*Ctrl-C/
        )
        const secret = Redacted.make(cli.match[1]!)
        yield* Deferred.succeed(
          app,
          MontaWebhook.handler({ secret }, (batch) => Deferred.succeed(received, batch))
        )
        const baseUrl = cli.output().match(/on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/)?.[1]
        assert.isDefined(baseUrl, cli.output())
        assert.include(cli.output(), hookUrl)

        const client = yield* HttpClient.HttpClient
        const token = yield* client.execute(
          HttpClientRequest.post(`${baseUrl}/auth/token`).pipe(HttpClientRequest.bodyUnsafeJson({
            clientId: MontaFake.demoConsumer.clientId,
            clientSecret: MontaFake.demoConsumer.clientSecret
          }))
        ).pipe(Effect.flatMap((response) => response.json), Effect.flatMap(Schema.decodeUnknown(Token)))
        const created = yield* client.execute(
          HttpClientRequest.post(`${baseUrl}/charge-points`).pipe(
            HttpClientRequest.bearerToken(token.accessToken),
            HttpClientRequest.bodyUnsafeJson({ name: "Webhook test", teamId: 2 })
          )
        ).pipe(Effect.flatMap((response) => response.json), Effect.flatMap(Schema.decodeUnknown(ChargePoint)))

        // The fake batches for about 2 s; the delivery is awaited, bounded.
        const batch = yield* Deferred.await(received).pipe(Effect.timeoutFail({
          duration: "20 seconds",
          onTimeout: () => new Error(`no delivery to ${hookUrl}: ${cli.output()}`)
        }))
        const entry = batch.entries.find((e) => e.entityType === "charge-point" && e.eventType === "created")
        assert.isDefined(entry, JSON.stringify(batch))
        assert.strictEqual(entry!.entityId, String(created.id))
        const stopped = yield* cli.interrupt
        assert.strictEqual(stopped.code, 130)
      }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici)),
    { timeout: 90_000 }
  )

  it.live("W5: --webhook-url that is not http(s) is a usage error (exit 2)", () =>
    Effect.gen(function*() {
      const result = yield* runCli(["fake-server", "--port", "0", "--webhook-url", "ftp://example.com/hook"])
      assert.strictEqual(result.code, 2, result.stderr)
      assert.include(result.stderr, "--webhook-url")
    }), { timeout: 60_000 })
})
