import * as HttpClientError from "@effect/platform/HttpClientError"
import { assert, describe, it } from "@effect/vitest"
import { parseMontaDateTime } from "@monta-auth/schema"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { Fault, MontaFake } from "../src/index.js"
import { assertMontaDate, login, send, type WirePair } from "./utils.js"

const credentials = { json: { clientId: "demo-client-id", clientSecret: "demo-client-secret" } }

describe("faults", () => {
  it.effect("§7: Status answers the next N requests to the path with that status, then normal service", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/token", times: 2, fault: Fault.Status({ status: 503, retryAfter: 7 }) })
      const first = yield* send("POST", "/auth/token", credentials)
      assert.strictEqual(first.status, 503)
      assert.strictEqual(first.response.headers["retry-after"], "7")
      assert.deepStrictEqual(first.body, {
        status: "SERVICE_UNAVAILABLE",
        message: "Service Unavailable",
        errorCode: "INTERNAL_SERVER_ERROR"
      })
      assert.isString(first.response.headers["date"])
      assert.strictEqual((yield* send("POST", "/auth/token", credentials)).status, 503)
      assert.strictEqual((yield* send("POST", "/auth/token", credentials)).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: Status can carry RateLimit-ResetsIn and a custom body; faults on other paths are untouched", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const { accessToken: token } = yield* login()
      yield* fake.injectFault({
        path: "/charge-points",
        fault: Fault.Status({ status: 429, rateLimitResetsIn: 12, body: { oops: true } })
      })
      assert.strictEqual((yield* send("GET", "/charge-points/1", { token })).status, 200)
      const limited = yield* send("GET", "/charge-points?page=1", { token })
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.response.headers["ratelimit-resetsin"], "12")
      assert.deepStrictEqual(limited.body, { oops: true })
      assert.strictEqual((yield* send("GET", "/charge-points", { token })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: MalformedBody is a 200 that is not JSON; EmptyBody a 200 with no body", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.MalformedBody() })
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.EmptyBody() })
      const malformed = yield* send("POST", "/auth/token", credentials)
      assert.strictEqual(malformed.status, 200)
      assert.throws(() => JSON.parse(malformed.text))
      const empty = yield* send("POST", "/auth/token", credentials)
      assert.strictEqual(empty.status, 200)
      assert.strictEqual(empty.text, "")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: WrongShape is a 200 JSON body without the pair's fields", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.WrongShape() })
      const { refreshToken } = yield* login()
      const answer = yield* send("POST", "/auth/refresh", { json: { refreshToken } })
      assert.strictEqual(answer.status, 200)
      assert.isUndefined((answer.body as Partial<WirePair>).refreshToken)
      assert.isUndefined((answer.body as Partial<WirePair>).accessTokenExpirationDate)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: Delay holds the answer until the test clock moves, then answers normally", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Delay({ duration: "30 seconds" }) })
      const fiber = yield* Effect.fork(send("POST", "/auth/token", credentials))
      yield* TestClock.adjust("29 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 second")
      const answer = yield* Fiber.join(fiber)
      assert.strictEqual(answer.status, 200)
      const expires = parseMontaDateTime((answer.body as WirePair).accessTokenExpirationDate)
      assert.strictEqual(Option.map(expires, DateTime.toEpochMillis).pipe(Option.getOrThrow), 30_000 + 3_600_000)
      const [entry] = yield* fake.journal
      assert.deepStrictEqual(entry, {
        method: "POST",
        path: "/auth/token",
        status: 200,
        at: 0,
        clientId: "demo-client-id",
        fault: "Delay"
      })
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: Drop surfaces in memory as a RequestError with reason Transport", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Drop() })
      const error = yield* Effect.flip(send("POST", "/auth/token", credentials))
      assert.instanceOf(error, HttpClientError.RequestError)
      assert.strictEqual((error as HttpClientError.RequestError).reason, "Transport")
      assert.strictEqual((yield* send("POST", "/auth/token", credentials)).status, 200)
      const counters = yield* fake.counters
      assert.strictEqual(counters.dropped, 1)
      assert.strictEqual(counters.tokenRequests, 2)
      assert.strictEqual((yield* fake.journal)[0]!.status, 0)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: ExpiredToken issues an access token already expired by its own date", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* TestClock.setTime(1_000_000)
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.ExpiredToken() })
      const pair = yield* login()
      assertMontaDate(pair.accessTokenExpirationDate, 1_000_000)
      assert.strictEqual((yield* send("GET", "/auth/me", { token: pair.accessToken })).status, 401)
      const next = yield* send("POST", "/auth/refresh", { json: { refreshToken: pair.refreshToken } })
      assert.strictEqual(next.status, 200)
      assert.strictEqual((yield* send("GET", "/auth/me", { token: (next.body as WirePair).accessToken })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: clearFaults drops queued faults; path \"*\" matches every path", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/token", times: 5, fault: Fault.Status({ status: 500 }) })
      yield* fake.clearFaults
      assert.strictEqual((yield* send("POST", "/auth/token", credentials)).status, 200)
      yield* fake.injectFault({ path: "*", times: 2, fault: Fault.Status({ status: 502 }) })
      assert.strictEqual((yield* send("POST", "/auth/token", credentials)).status, 502)
      assert.strictEqual((yield* send("GET", "/nowhere")).status, 502)
      assert.strictEqual((yield* send("GET", "/nowhere")).status, 404)
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
