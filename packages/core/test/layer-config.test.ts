import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const withEnv = (env: Record<string, string>) =>
  MontaAuth.layerConfig().pipe(
    Layer.provideMerge(MontaFake.layerTest()),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
  )

const demo = {
  MONTA_CLIENT_ID: MontaFake.demoConsumer.clientId,
  MONTA_CLIENT_SECRET: MontaFake.demoConsumer.clientSecret
}

describe("MontaAuth.layerConfig", () => {
  it.scoped("layerConfig: reads MONTA_CLIENT_ID, MONTA_CLIENT_SECRET and MONTA_BASE_URL (loopback http allowed)", () =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      assert.strictEqual(auth.clientId, MontaFake.demoConsumer.clientId)
      assert.strictEqual(auth.baseUrl, "http://127.0.0.1:8080/api/v1")
    }).pipe(Effect.provide(withEnv({ ...demo, MONTA_BASE_URL: "http://127.0.0.1:8080/api/v1/" }))))

  it.scoped("layerConfig: MONTA_BASE_URL defaults to the production URL", () =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      assert.strictEqual(auth.baseUrl, "https://partner-api.monta.com/api/v1")
    }).pipe(Effect.provide(withEnv(demo))))

  it.effect("layerConfig: a missing MONTA_CLIENT_SECRET fails the layer with an error naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Layer.build(withEnv({ MONTA_CLIENT_ID: "x" }))))
      assert.include(String(error), "MONTA_CLIENT_SECRET")
    }))

  it.effect("layerConfig: a missing MONTA_CLIENT_ID fails the layer with an error naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Layer.build(withEnv({ MONTA_CLIENT_SECRET: "x" }))))
      assert.include(String(error), "MONTA_CLIENT_ID")
    }))

  it.effect("layerConfig: an http base URL that is not loopback is refused with InvalidOptions", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.scoped(Layer.build(withEnv({ ...demo, MONTA_BASE_URL: "http://partner-api.monta.com/api/v1" })))
      )
      assert.strictEqual(error._tag, "InvalidOptions")
      assert.include(String(error), "not https")
    }))

  it.effect("layer: https, localhost, 127.x and [::1] are accepted; other http only with allowInsecure", () =>
    Effect.gen(function*() {
      const build = (baseUrl: string, allowInsecure?: boolean) =>
        Effect.scoped(
          Layer.build(
            MontaAuth.layer({ clientId: "a", clientSecret: Redacted.make("b"), baseUrl, allowInsecure }).pipe(
              Layer.provide(MontaFake.layerTest())
            )
          )
        ).pipe(Effect.either)
      for (
        const url of ["https://x.example/api", "http://localhost:1/api", "http://127.0.0.9/api", "http://[::1]:9/a"]
      ) {
        assert.strictEqual((yield* build(url))._tag, "Right", url)
      }
      assert.strictEqual((yield* build("http://monta.fake/api/v1"))._tag, "Left")
      assert.strictEqual((yield* build("http://monta.fake/api/v1", true))._tag, "Right")
      assert.strictEqual((yield* build("ftp://x/"))._tag, "Left")
      assert.strictEqual((yield* build("not a url"))._tag, "Left")
    }))
})
