/**
 * `MontaFake.layerTestAuth` without `@monta-auth/core` (which this package cannot depend on): two
 * stand-in classes record what the layer gives them. `examples/testing-faults.test.ts` runs it on
 * the real MontaAuth and MontaHttpClient.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { MontaFake } from "../src/index.js"

interface AuthOptions {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly baseUrl?: string | undefined
  readonly allowInsecure?: boolean | undefined
  readonly refreshMargin?: string | undefined
}

class StandInAuth extends Context.Tag("test/StandInAuth")<StandInAuth, AuthOptions>() {
  static layer(options: AuthOptions): Layer.Layer<StandInAuth, never, HttpClient.HttpClient> {
    return Layer.effect(StandInAuth, Effect.as(HttpClient.HttpClient, options))
  }
}

class StandInClient extends Context.Tag("test/StandInClient")<StandInClient, { readonly version: string }>() {
  static layer(
    options?: { readonly version?: string | undefined }
  ): Layer.Layer<StandInClient, never, StandInAuth | HttpClient.HttpClient> {
    return Layer.succeed(StandInClient, { version: options?.version ?? "none" })
  }
}

describe("MontaFake.layerTestAuth", () => {
  it.effect("gives MontaAuth.layer the demo consumer, the fake's base URL and allowInsecure", () =>
    Effect.gen(function*() {
      const options = yield* StandInAuth
      const fake = yield* MontaFake
      assert.strictEqual(options.clientId, "demo-client-id")
      assert.strictEqual(Redacted.value(options.clientSecret), "demo-client-secret")
      assert.strictEqual(options.baseUrl, fake.baseUrl)
      assert.strictEqual(options.allowInsecure, true)
      assert.strictEqual((yield* StandInClient).version, "none")
    }).pipe(Effect.provide(MontaFake.layerTestAuth({ MontaAuth: StandInAuth, MontaHttpClient: StandInClient }))))

  it.effect("passes clientId, clientSecret, auth and client options on", () =>
    Effect.gen(function*() {
      const options = yield* StandInAuth
      assert.strictEqual(options.clientId, "team-client-id")
      assert.strictEqual(Redacted.value(options.clientSecret), "team-client-secret")
      assert.strictEqual(options.refreshMargin, "1 minute")
      assert.strictEqual((yield* StandInClient).version, "2024-07-01")
    }).pipe(Effect.provide(MontaFake.layerTestAuth({ MontaAuth: StandInAuth, MontaHttpClient: StandInClient }, {
      clientId: "team-client-id",
      clientSecret: "team-client-secret",
      auth: { refreshMargin: "1 minute" },
      client: { version: "2024-07-01" }
    }))))
})
