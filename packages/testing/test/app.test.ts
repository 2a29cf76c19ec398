import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"

const call = (request: Request) =>
  Effect.gen(function*() {
    const fake = yield* MontaFake
    const response = yield* Effect.provideService(
      fake.app,
      HttpServerRequest.HttpServerRequest,
      HttpServerRequest.fromWeb(request)
    )
    return HttpServerResponse.toWeb(response)
  })

describe("app", () => {
  it.effect("§7: MontaFake.layer gives the app alone, routed under /api/v1, for any server", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      assert.strictEqual(fake.baseUrl, "http://monta.fake/api/v1")
      const token = yield* call(
        new Request("http://anywhere/api/v1/auth/token", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ clientId: "demo-client-id", clientSecret: "demo-client-secret" })
        })
      )
      assert.strictEqual(token.status, 200)
      const { accessToken } = (yield* Effect.promise(() => token.json())) as { accessToken: string }
      const me = yield* call(
        new Request("http://anywhere/api/v1/auth/me", { headers: { authorization: `Bearer ${accessToken}` } })
      )
      assert.strictEqual(me.status, 200)
      const outside = yield* call(new Request("http://anywhere/auth/me"))
      assert.strictEqual(outside.status, 404)
      assert.deepStrictEqual((yield* fake.journal).map((entry) => entry.path), ["/auth/token", "/auth/me", "/auth/me"])
      assert.strictEqual((yield* fake.counters).meRequests, 1)
    }).pipe(Effect.provide(MontaFake.layer())))
})
