import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"

/**
 * `MontaFake.layerServer()` (the fake on 127.0.0.1, real sockets, real time) that also counts the
 * requests as they arrive, before the fake handles them: a test can tell that a request another
 * process sent is inside the fake (held there by a `Fault.Delay`), which the fake's journal only
 * records once it is answered.
 */
export const fakeServer = () => {
  const arrived = new Map<string, number>()
  const layer = Layer.scoped(
    MontaFake,
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const port = server.address._tag === "TcpAddress" ? server.address.port : 0
      const fake = yield* MontaFake.make(undefined, `http://127.0.0.1:${port}/api/v1`)
      yield* HttpServer.serveEffect(
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const path = request.url.split("?")[0]!.replace(/^\/api\/v1/, "")
          arrived.set(path, (arrived.get(path) ?? 0) + 1)
          return fake.app
        })
      )
      return fake
    })
  ).pipe(
    Layer.provide(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })),
    Layer.merge(NodeHttpClient.layerUndici),
    Layer.orDie
  )
  /** How many requests to `path` (under `/api/v1`, e.g. `/auth/refresh`) have arrived so far. */
  const arrivals = (path: string): number => arrived.get(path) ?? 0
  return { layer, arrivals }
}
