import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import type { MontaFake, MontaFakeOptions, MontaFakeService, MontaFakeWebhookClient } from "../MontaFake.js"
import * as internal from "./fake.js"
import { apiPrefix } from "./request.js"

/**
 * The fake under `tag` (the public `MontaFake`, passed in so this module imports it as a type
 * only) served on localhost, plus a Node client.
 *
 * @internal
 */
export const layerServer = (
  tag: Context.Tag<MontaFake, MontaFakeService>,
  webhookClient: Context.Tag<MontaFakeWebhookClient, HttpClient.HttpClient>,
  options?: MontaFakeOptions & { readonly port?: number | undefined }
): Layer.Layer<MontaFake | HttpClient.HttpClient, HttpServerError.ServeError, MontaFakeWebhookClient> =>
  Layer.scoped(
    tag,
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const address = server.address
      const port = address._tag === "TcpAddress" ? address.port : 0
      const fake = yield* internal.makeScoped(webhookClient, options, `http://127.0.0.1:${port}${apiPrefix}`)
      yield* HttpServer.serveEffect(fake.app)
      return fake
    })
  ).pipe(
    Layer.provide(NodeHttpServer.layer(() => createServer(), { port: options?.port ?? 0, host: "127.0.0.1" })),
    Layer.merge(NodeHttpClient.layerUndici)
  )
