import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { ChargePoint, clientOnFake, journalOf, Spy } from "./http-fixtures.js"

const lastResourceRequest = Effect.map(Spy, (spy) => {
  const requests = spy.requests.filter((request) => !request.url.includes("/auth/"))
  return requests[requests.length - 1]!
})

describe("MontaHttpClient requests", () => {
  it.scoped("H1: a relative path goes to the base URL with the bearer token and Accept: application/json", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const auth = yield* MontaAuth
      const point = yield* client.get("/charge-points/1").pipe(
        Effect.flatMap(HttpClientResponse.schemaBodyJson(ChargePoint))
      )
      assert.strictEqual(point.id, 1)
      const sent = yield* lastResourceRequest
      assert.strictEqual(sent.url, "http://monta.fake/api/v1/charge-points/1")
      assert.strictEqual(sent.headers["authorization"], `Bearer ${Redacted.value(yield* auth.accessToken)}`)
      assert.strictEqual(sent.headers["accept"], "application/json")
      assert.isUndefined(sent.headers["monta-version"])
      // a path without the leading slash is joined the same way
      yield* client.get("charge-points/2")
      assert.strictEqual((yield* lastResourceRequest).url, "http://monta.fake/api/v1/charge-points/2")
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H1: Monta-Version is sent when configured", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      yield* client.get("/charge-points/1")
      assert.strictEqual((yield* lastResourceRequest).headers["monta-version"], "2024-07-01")
    }).pipe(Effect.provide(clientOnFake({ client: { montaVersion: "2024-07-01" } }))))

  it.scoped("H1: an absolute URL on another host is refused before the token is sent anywhere", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const spy = yield* Spy
      const error = yield* Effect.flip(client.get("https://evil.example/steal"))
      assert.strictEqual(error._tag, "RequestError")
      assert.isTrue(spy.requests.every((request) => !request.url.startsWith("https://evil.example")))
      // an absolute URL under the base URL is fine
      const response = yield* client.get("http://monta.fake/api/v1/charge-points/3")
      assert.strictEqual(response.status, 200)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H4: a 404 fails with MontaApiError carrying status, errorCode, server message, method and url", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const error = yield* Effect.flip(client.get("/charge-points/999999"))
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag !== "MontaApiError") return
      assert.strictEqual(error.status, 404)
      assert.strictEqual(error.errorCode, "RESOURCE_NOT_FOUND")
      assert.isString(error.serverMessage)
      assert.strictEqual(error.method, "GET")
      assert.strictEqual(error.url, "http://monta.fake/api/v1/charge-points/999999")
      assert.include(error.message, "HTTP 404")
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H4: a 403 is a MontaApiError ACCESS_FORBIDDEN and never triggers re-authentication", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      const error = yield* Effect.flip(client.post("/charge-points"))
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag !== "MontaApiError") return
      assert.strictEqual(error.status, 403)
      assert.strictEqual(error.errorCode, "ACCESS_FORBIDDEN")
      assert.strictEqual(error.method, "POST")
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 1)
      assert.strictEqual(counters.refreshRequests, 0)
      assert.strictEqual((yield* journalOf("POST", "/charge-points")).length, 1)
    }).pipe(
      // The server's 403 itself: the local scope check (H7) is off, or it would refuse first.
      Effect.provide(clientOnFake({ consumer: MontaFake.teamConsumer, client: { scopeCheck: "off" } }))
    ))

  it.scoped("H4: an error body that is not JSON still gives a MontaApiError with its status", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({
        path: "/charge-points/1",
        fault: Fault.Status({ status: 400, body: "<html>bad gateway</html>" })
      })
      const error = yield* Effect.flip(client.get("/charge-points/1"))
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag !== "MontaApiError") return
      assert.strictEqual(error.status, 400)
      assert.isUndefined(error.errorCode)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H1: no span attribute carries the token", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const auth = yield* MontaAuth
      const attributes: Array<unknown> = []
      const tracer = yield* Effect.tracer
      const recording = {
        ...tracer,
        span: (...args: Parameters<typeof tracer.span>) => {
          const span = tracer.span(...args)
          const attribute = span.attribute.bind(span)
          span.attribute = (key: string, value: unknown) => {
            attributes.push([key, value])
            attribute(key, value)
          }
          return span
        }
      }
      yield* client.get("/charge-points/1").pipe(Effect.withTracer(recording))
      const token = Redacted.value(yield* auth.accessToken)
      assert.isAbove(attributes.length, 0)
      assert.notInclude(JSON.stringify(attributes), token)
      assert.deepInclude(attributes, ["http.request.method", "GET"])
    }).pipe(Effect.provide(clientOnFake())))
})
