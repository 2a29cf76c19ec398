import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import { neverSent } from "../src/internal/httpPolicy.js"
import { ChargePoint } from "./http-fixtures.js"

/** A localhost port nothing listens on. */
const closedPort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as Net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

const onServer = Layer.unwrapEffect(Effect.gen(function*() {
  const fake = yield* MontaFake
  return MontaHttpClient.layer().pipe(
    Layer.provideMerge(
      MontaAuth.layer({
        clientId: MontaFake.demoConsumer.clientId,
        clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
        baseUrl: fake.baseUrl
      }).pipe(Layer.orDie)
    )
  )
})).pipe(Layer.provideMerge(MontaFake.layerServer().pipe(Layer.orDie)))

describe("MontaHttpClient over sockets", () => {
  it.live("H1, H6: GET, POST and paging against MontaFake served on localhost", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const point = yield* client.get("/charge-points/7").pipe(
        Effect.flatMap(HttpClientResponse.schemaBodyJson(ChargePoint))
      )
      assert.strictEqual(point.id, 7)
      const created = yield* client.execute(
        HttpClientRequest.post("/charge-points").pipe(HttpClientRequest.bodyUnsafeJson({ name: "Socket", teamId: 2 }))
      ).pipe(Effect.flatMap(HttpClientResponse.schemaBodyJson(ChargePoint)))
      assert.strictEqual(created.name, "Socket")
      const count = yield* MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCount)
      assert.strictEqual(count, 251)
    }).pipe(Effect.provide(onServer)))

  it.live("H5: a refused connection of the Node clients is recognised as never sent", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      for (const layer of [NodeHttpClient.layerUndici, NodeHttpClient.layer]) {
        const error = yield* Effect.flip(
          Effect.flatMap(
            HttpClient.HttpClient,
            (client) => client.post(`http://127.0.0.1:${port}/api/v1/charge-points`)
          )
            .pipe(Effect.provide(layer))
        )
        assert.isTrue(neverSent(error))
      }
    }))
})
