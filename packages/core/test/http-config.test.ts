import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import { httpRequests } from "../src/internal/httpMetrics.js"
import { clientOnFake } from "./http-fixtures.js"

const env = ConfigProvider.fromMap(
  new Map([
    ["MONTA_CLIENT_ID", MontaFake.demoConsumer.clientId],
    ["MONTA_CLIENT_SECRET", MontaFake.demoConsumer.clientSecret],
    ["MONTA_BASE_URL", "http://monta.fake/api/v1"]
  ])
)

describe("MontaHttpClient layers", () => {
  it.scoped("layerConfig builds MontaAuth and MontaHttpClient from the environment with one layer", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const auth = yield* MontaAuth
      assert.strictEqual(auth.clientId, MontaFake.demoConsumer.clientId)
      assert.strictEqual((yield* client.get("/charge-points/1")).status, 200)
    }).pipe(
      Effect.provide(
        MontaHttpClient.layerConfig({ montaVersion: "2024-07-01", auth: { allowInsecure: true } }).pipe(
          Layer.provideMerge(MontaFake.layerTest()),
          Layer.provide(Layer.setConfigProvider(env))
        )
      )
    ))

  it.scoped("metrics: requests are counted by response status", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const notFound = Metric.tagged(httpRequests, "status", "404")
      const before = (yield* Metric.value(notFound)).count
      yield* Effect.ignore(client.get("/charge-points/999999"))
      yield* Effect.ignore(client.get("/charge-points/999998"))
      assert.strictEqual((yield* Metric.value(notFound)).count - before, 2)
    }).pipe(Effect.provide(clientOnFake())))
})
