import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import { MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { clientOnFake, journalOf, settle, smallConsumer, Spy } from "./http-fixtures.js"

const statuses = (method: string, path: string) =>
  Effect.map(journalOf(method, path), (entries) => entries.map((entry) => entry.status))

const newChargePoint = HttpClientRequest.post("/charge-points").pipe(
  HttpClientRequest.bodyUnsafeJson({ name: "New charge point", teamId: 1 })
)

describe("MontaHttpClient transient retries", () => {
  it.scoped("H5: a GET is retried after a 503 and succeeds", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 503 }) })
      const request = yield* Effect.fork(client.get("/charge-points/1"))
      yield* TestClock.adjust("1 second")
      const response = yield* Fiber.join(request)
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(yield* statuses("GET", "/charge-points/1"), [503, 200])
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H5: a POST is not retried after a 503: the journal shows one call", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points", fault: Fault.Status({ status: 503 }) })
      const error = yield* Effect.flip(client.execute(newChargePoint))
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag === "MontaApiError") assert.strictEqual(error.status, 503)
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(yield* statuses("POST", "/charge-points"), [503])
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H5: a PATCH is not retried after a dropped connection (the server may have received it)", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Drop() })
      const error = yield* Effect.flip(
        client.execute(
          HttpClientRequest.patch("/charge-points/1").pipe(HttpClientRequest.bodyUnsafeJson({ name: "Renamed" }))
        )
      )
      assert.strictEqual(error._tag, "RequestError")
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(yield* statuses("PATCH", "/charge-points/1"), [0])
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H5: a POST is retried when the connection was refused before anything was sent", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const spy = yield* Spy
      yield* client.get("/charge-points/1")
      spy.refuse = 1
      const request = yield* Effect.fork(client.execute(newChargePoint))
      yield* TestClock.adjust("1 second")
      const response = yield* Fiber.join(request)
      assert.strictEqual(response.status, 201)
      assert.deepStrictEqual(yield* statuses("POST", "/charge-points"), [201])
      assert.strictEqual(
        spy.requests.filter((request) => request.method === "POST" && request.url.endsWith("/charge-points")).length,
        2
      )
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H5: a GET is retried after a dropped connection", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", times: 2, fault: Fault.Drop() })
      const request = yield* Effect.fork(client.get("/charge-points/1"))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* Fiber.join(request)).status, 200)
      assert.deepStrictEqual(yield* statuses("GET", "/charge-points/1"), [0, 0, 200])
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H5: Retry-After is honoured: nothing is sent again before it has passed", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 503, retryAfter: 8 }) })
      const request = yield* Effect.fork(client.get("/charge-points/1"))
      yield* TestClock.adjust("7 seconds")
      yield* settle
      assert.deepStrictEqual(yield* statuses("GET", "/charge-points/1"), [503])
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(request)).status, 200)
      const journal = yield* journalOf("GET", "/charge-points/1")
      assert.strictEqual(journal[1]!.at - journal[0]!.at, 8000)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H5: retries are bounded: a GET that keeps failing ends with the last MontaApiError", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", times: 100, fault: Fault.Status({ status: 500 }) })
      const request = yield* Effect.fork(Effect.flip(client.get("/charge-points/1")))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(request)
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag === "MontaApiError") assert.strictEqual(error.status, 500)
      // the first send and at most five retries
      assert.strictEqual((yield* statuses("GET", "/charge-points/1")).length, 6)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H5: time spent waiting for the rate budget does not use up the retries", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      for (let i = 0; i < 10; i++) yield* client.get("/charge-points/2")
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 503 }) })
      const request = yield* Effect.fork(client.get("/charge-points/1"))
      yield* TestClock.adjust("61 seconds")
      assert.strictEqual((yield* Fiber.join(request)).status, 200)
      assert.deepStrictEqual(yield* statuses("GET", "/charge-points/1"), [503, 200])
    }).pipe(Effect.provide(clientOnFake({ consumer: smallConsumer }))))

  it.scoped("H5: with requestTimeout, a GET that times out is sent again; a POST that times out is not", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Delay({ duration: "1 minute" }) })
      const get = yield* Effect.fork(client.get("/charge-points/1"))
      yield* TestClock.adjust("6 seconds")
      assert.strictEqual((yield* Fiber.join(get)).status, 200)
      yield* fake.injectFault({ path: "/charge-points", fault: Fault.Delay({ duration: "1 minute" }) })
      const post = yield* Effect.fork(Effect.flip(client.execute(newChargePoint)))
      yield* TestClock.adjust("6 seconds")
      const error = yield* Fiber.join(post)
      assert.strictEqual(error._tag, "RequestError")
      yield* TestClock.adjust("2 minutes")
      // the in-memory fake was interrupted with its caller, so count what was sent
      const spy = yield* Spy
      const posts = spy.requests.filter((request) =>
        request.method === "POST" && request.url.endsWith("/charge-points")
      )
      assert.strictEqual(posts.length, 1)
    }).pipe(Effect.provide(clientOnFake({ client: { requestTimeout: "5 seconds" } }))))

  it.scoped("H5: retry.times 0 turns retries off", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 502 }) })
      const error = yield* Effect.flip(client.get("/charge-points/1"))
      assert.strictEqual(error._tag, "MontaApiError")
      assert.deepStrictEqual(yield* statuses("GET", "/charge-points/1"), [502])
    }).pipe(Effect.provide(clientOnFake({ client: { retry: { times: 0 } } }))))

  it.scoped("H5: a 400 is never retried, even for a GET", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const error = yield* Effect.flip(client.get("/charge-points", { urlParams: { perPage: "0" } }))
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag === "MontaApiError") assert.strictEqual(error.errorCode, "BAD_REQUEST")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* journalOf("GET", "/charge-points")).length, 1)
    }).pipe(Effect.provide(clientOnFake())))
})
