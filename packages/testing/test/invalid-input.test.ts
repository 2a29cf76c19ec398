import { assert, describe, it } from "@effect/vitest"
import { httpStatusNames } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

const errorBody = (body: unknown, status: number, errorCode: string) => {
  // The status as its name, as in the provider's error examples ("BAD_REQUEST").
  const error = body as { status: string; errorCode: string; message: string }
  assert.strictEqual(httpStatusNames[error.status], status, error.status)
  assert.strictEqual(error.errorCode, errorCode)
  assert.isString(error.message)
}

const badRequest = (body: unknown) => errorBody(body, 400, "BAD_REQUEST")

describe("invalid input", () => {
  it.effect("§1: /auth/token with bad JSON, no body, missing fields or wrong types is 400", () =>
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
        { text: "", contentType: "" },
        {}
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

  it.effect("§1: a JSON endpoint given another Content-Type (or a body without one) is 415 with Accept", () =>
    Effect.gen(function*() {
      const { accessToken: token, refreshToken } = yield* login()
      const credentials = JSON.stringify({ clientId: "demo-client-id", clientSecret: "demo-client-secret" })
      const cases = [
        ["POST", "/auth/token", { text: credentials, contentType: "text/plain" }],
        ["POST", "/auth/token", { text: credentials, contentType: "text/plain; charset=utf-8" }],
        ["POST", "/auth/token", {
          text: "clientId=demo-client-id&clientSecret=demo-client-secret",
          contentType: "application/x-www-form-urlencoded"
        }],
        ["POST", "/auth/token", { text: credentials, contentType: "" }],
        ["POST", "/auth/token", { text: "", contentType: "text/plain" }],
        ["POST", "/auth/refresh", { text: JSON.stringify({ refreshToken }), contentType: "text/plain" }],
        ["POST", "/charge-points", { token, text: "{\"name\":\"x\"}", contentType: "text/plain" }],
        ["PATCH", "/charge-points/1", { token, text: "{\"name\":\"x\"}", contentType: "application/xml" }]
      ] as const
      for (const [method, path, options] of cases) {
        const answer = yield* send(method, path, options)
        assert.strictEqual(answer.status, 415, `${method} ${path} ${JSON.stringify(options.contentType)}`)
        errorBody(answer.body, 415, "UNSUPPORTED_MEDIA_TYPE")
        assert.strictEqual(answer.response.headers["content-type"], "application/json")
        assert.strictEqual(answer.response.headers["accept"], "application/json")
      }
      // nothing was created, renamed or rotated
      const fake = yield* MontaFake
      assert.strictEqual((yield* fake.tokensOf("demo-client-id")).length, 1)
      assert.strictEqual(
        (yield* send("POST", "/auth/refresh", { json: { refreshToken } })).status,
        200
      )
      assert.strictEqual(
        ((yield* send("GET", "/charge-points/1", { token })).body as { name: string }).name,
        "Charge point 1"
      )
      const json = yield* send("POST", "/auth/token", {
        text: credentials,
        contentType: "application/json; charset=utf-8"
      })
      assert.strictEqual(json.status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: a known route with a method it does not answer is 405 with Allow; an unknown route is 404", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const cases = [
        ["DELETE", "/auth/token", "POST"],
        ["GET", "/auth/token", "POST"],
        ["PUT", "/auth/refresh", "POST"],
        ["POST", "/auth/me", "GET, HEAD"],
        ["PUT", "/charge-points", "GET, HEAD, POST"],
        ["DELETE", "/charge-points", "GET, HEAD, POST"],
        ["POST", "/charge-points/1", "GET, HEAD, PATCH, DELETE"],
        ["PUT", "/charge-points/abc", "GET, HEAD, PATCH, DELETE"],
        ["DELETE", "/wallet-transactions/", "GET, HEAD"]
      ] as const
      for (const [method, path, allow] of cases) {
        const answer = yield* send(method, path, { token })
        assert.strictEqual(answer.status, 405, `${method} ${path}`)
        errorBody(answer.body, 405, "METHOD_NOT_ALLOWED")
        assert.include((answer.body as { message: string }).message, method)
        assert.strictEqual(answer.response.headers["allow"], allow, `${method} ${path}`)
      }
      assert.strictEqual((yield* send("HEAD", "/charge-points/1", { token })).status, 200)
      for (const [method, path] of [["GET", "/chargers"], ["PUT", "/charge-points/1/2"], ["DELETE", "/"]] as const) {
        const unknown = yield* send(method, path, { token })
        assert.strictEqual(unknown.status, 404, `${method} ${path}`)
        errorBody(unknown.body, 404, "RESOURCE_NOT_FOUND")
        assert.isUndefined(unknown.response.headers["allow"])
      }
      // 405 is decided by the route, before authentication and without counting against the window
      const fake = yield* MontaFake
      const anonymous = yield* send("PUT", "/charge-points")
      assert.strictEqual(anonymous.status, 405)
      const counted = yield* send("GET", "/charge-points/1", { token })
      assert.strictEqual(counted.response.headers["ratelimit-remaining"], "998")
      assert.strictEqual((yield* fake.counters).byStatus[405], cases.length + 1)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: a malformed Authorization header is 401", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* send("GET", "/charge-points", { token: "" })).status, 401)
      const noAuth = yield* send("GET", "/charge-points")
      assert.deepStrictEqual(noAuth.body, {
        status: "UNAUTHORIZED",
        message: "Missing bearer token",
        errorCode: "INVALID_ACCESS_TOKEN"
      })
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
