import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

const badRequest = (body: unknown) => {
  const error = body as { status: number; errorCode: string; message: string }
  assert.strictEqual(error.status, 400)
  assert.strictEqual(error.errorCode, "BAD_REQUEST")
  assert.isString(error.message)
}

describe("invalid input", () => {
  it.effect("§1: /auth/token with bad JSON, missing fields, wrong types or a wrong content type is 400", () =>
    Effect.gen(function*() {
      const cases = [
        { text: "{\"clientId\": " },
        { text: "" },
        { text: "[]" },
        { text: "null" },
        { json: {} },
        { json: { clientId: "demo-client-id" } },
        { json: { clientId: 1, clientSecret: "demo-client-secret" } },
        { json: { clientId: "", clientSecret: "" } },
        {
          text: JSON.stringify({ clientId: "demo-client-id", clientSecret: "demo-client-secret" }),
          contentType: "text/plain"
        },
        { text: "clientId=demo-client-id&clientSecret=x", contentType: "application/x-www-form-urlencoded" }
      ]
      for (const options of cases) {
        const answer = yield* send("POST", "/auth/token", options)
        assert.strictEqual(answer.status, 400, JSON.stringify(options))
        badRequest(answer.body)
        assert.strictEqual(answer.response.headers["content-type"], "application/json")
      }
      const missing = yield* send("POST", "/auth/token", { json: { clientId: "demo-client-id" } })
      assert.include((missing.body as { message: string }).message, "clientSecret")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: /auth/refresh with bad JSON, a missing or non-string refreshToken is 400", () =>
    Effect.gen(function*() {
      for (
        const options of [{ text: "nope" }, { json: {} }, { json: { refreshToken: 42 } }, {
          json: { refreshToken: "" }
        }]
      ) {
        const answer = yield* send("POST", "/auth/refresh", options)
        assert.strictEqual(answer.status, 400, JSON.stringify(options))
        badRequest(answer.body)
      }
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: resource bodies and ids are validated: 400, never a crash", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const cases = [
        yield* send("POST", "/charge-points", { token, text: "{" }),
        yield* send("POST", "/charge-points", { token, json: { name: "" } }),
        yield* send("POST", "/charge-points", { token, json: { name: "x", teamId: "one" } }),
        yield* send("POST", "/charge-points", { token, text: "{\"name\":\"x\"}", contentType: "text/plain" }),
        yield* send("PATCH", "/charge-points/1", { token, json: { state: "exploded" } }),
        yield* send("PATCH", "/charge-points/1", { token, text: "[" }),
        yield* send("GET", "/charge-points/abc", { token }),
        yield* send("DELETE", "/charge-points/1.5", { token })
      ]
      for (const answer of cases) {
        assert.strictEqual(answer.status, 400)
        badRequest(answer.body)
      }
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: an unknown route or method is 404 JSON; a malformed Authorization header is 401", () =>
    Effect.gen(function*() {
      const unknown = yield* send("GET", "/chargers")
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual((unknown.body as { errorCode: string }).errorCode, "RESOURCE_NOT_FOUND")
      assert.strictEqual((yield* send("DELETE", "/auth/token")).status, 404)
      assert.strictEqual((yield* send("GET", "/charge-points", { token: "" })).status, 401)
      const noAuth = yield* send("GET", "/charge-points")
      assert.deepStrictEqual(noAuth.body, {
        status: 401,
        message: "Missing bearer token",
        errorCode: "INVALID_ACCESS_TOKEN"
      })
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
