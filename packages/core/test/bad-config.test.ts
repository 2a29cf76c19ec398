import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"

const withEnv = (env: Record<string, string>) =>
  MontaAuth.layerConfig().pipe(
    Layer.provideMerge(MontaFake.layerTest()),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
  )

const buildError = <E>(layer: Layer.Layer<MontaAuth, E>) => Effect.flip(Effect.scoped(Layer.build(layer)))

const demo = {
  MONTA_CLIENT_ID: MontaFake.demoConsumer.clientId,
  MONTA_CLIENT_SECRET: MontaFake.demoConsumer.clientSecret
}

const renderings = (error: unknown) => [String(error), JSON.stringify(error), inspect(error, { depth: 10 })]

describe("bad configuration is a typed error naming the variable (section 11)", () => {
  const envCases = [
    { variable: "MONTA_CLIENT_SECRET", env: { ...demo, MONTA_CLIENT_SECRET: "" } },
    { variable: "MONTA_CLIENT_SECRET", env: { ...demo, MONTA_CLIENT_SECRET: " padded-secret-value " } },
    { variable: "MONTA_CLIENT_ID", env: { ...demo, MONTA_CLIENT_ID: "client-id " } },
    { variable: "MONTA_CLIENT_ID", env: { ...demo, MONTA_CLIENT_ID: "   " } }
  ]
  for (const { env, variable } of envCases) {
    it.effect(`layerConfig: ${variable}=${JSON.stringify(env[variable as keyof typeof env])} is a ConfigError naming it`, () =>
      Effect.gen(function*() {
        const error = yield* buildError(withEnv(env))
        assert.isTrue(ConfigError.isConfigError(error))
        if (ConfigError.isConfigError(error)) assert.isTrue(ConfigError.isInvalidData(error))
        assert.include(String(error), variable)
        if (variable === "MONTA_CLIENT_SECRET" && env.MONTA_CLIENT_SECRET !== "") {
          for (const text of renderings(error)) assert.notInclude(text, "padded-secret-value")
        }
      }))
  }

  const optionCases = [
    { option: "clientId", clientId: " client", clientSecret: "secret-value" },
    { option: "clientSecret", clientId: "client", clientSecret: "" },
    { option: "clientSecret", clientId: "client", clientSecret: "secret-value\n" }
  ]
  for (const { clientId, clientSecret, option } of optionCases) {
    it.effect(`layer: ${option} ${JSON.stringify(option === "clientId" ? clientId : clientSecret)} is InvalidOptions`, () =>
      Effect.gen(function*() {
        const error = yield* buildError(
          MontaAuth.layer({ clientId, clientSecret: Redacted.make(clientSecret) }).pipe(
            Layer.provide(MontaFake.layerTest())
          )
        )
        assert.strictEqual(error._tag, "InvalidOptions")
        if (error._tag === "InvalidOptions") assert.strictEqual(error.option, option)
        if (clientSecret.length > 0) {
          for (const text of renderings(error)) assert.notInclude(text, clientSecret.trim())
        }
      }))
  }

  const urls = [
    { url: "https://user:hunter2-password@partner-api.monta.com/api/v1", problem: "user name or password" },
    { url: "https://partner-api.monta.com/api/v1?x=1", problem: "query" },
    { url: "https://partner-api.monta.com/api/v1#top", problem: "fragment" },
    { url: "http://partner-api.monta.com/api/v1", problem: "not https" }
  ]
  for (const { problem, url } of urls) {
    it.effect(`layerConfig: MONTA_BASE_URL ${url} is refused (${problem}), never echoing a password`, () =>
      Effect.gen(function*() {
        const error = yield* buildError(withEnv({ ...demo, MONTA_BASE_URL: url }))
        assert.strictEqual(error._tag, "InvalidOptions")
        for (const text of renderings(error)) assert.notInclude(text, "hunter2")
        assert.include(String(error), problem)
      }))
  }
})
