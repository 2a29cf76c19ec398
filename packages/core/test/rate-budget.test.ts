import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth, MontaHttpClient, MontaRateLimiter } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { clientOnFake, eventually, journalOf, settle, smallConsumer } from "./http-fixtures.js"

const sentAt = (path: string) => Effect.map(journalOf("GET", path), (entries) => entries.map((entry) => entry.at))

const fireAll = (count: number, path = "/charge-points/1") =>
  Effect.flatMap(MontaHttpClient, (client) =>
    Effect.fork(Effect.forEach(
      Array.from({ length: count }, () => client.get(path)),
      (request) => Effect.map(request, (response) => response.status),
      { concurrency: "unbounded" }
    )))

const countSent = (path: string, count: number) =>
  eventually(Effect.map(journalOf("GET", path), (entries) => entries.length >= count), `${count} requests to ${path}`)

const messages: Array<string> = []
const capture = Logger.make(({ message }) => {
  messages.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
})

describe("MontaHttpClient rate budget", () => {
  it.scoped("R1, H3: the budget comes from /auth/me: 10 per 60 s go at once, the 11th waits for the reset", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const requests = yield* fireAll(11)
      yield* countSent("/charge-points/1", 10)
      yield* settle
      assert.strictEqual((yield* sentAt("/charge-points/1")).length, 10)
      yield* TestClock.adjust("60 seconds")
      const statuses = yield* Fiber.join(requests)
      assert.deepStrictEqual(statuses, Array.from({ length: 11 }, () => 200))
      assert.deepStrictEqual((yield* sentAt("/charge-points/1")).slice(9), [0, 60_000])
      const counters = yield* fake.counters
      assert.strictEqual(counters.meRequests, 1)
      assert.strictEqual(counters.status429, 0)
    }).pipe(Effect.provide(clientOnFake({ consumer: smallConsumer }))))

  it.scoped("R1: a budget from options replaces /auth/me", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const requests = yield* fireAll(6)
      yield* countSent("/charge-points/1", 5)
      yield* settle
      assert.strictEqual((yield* sentAt("/charge-points/1")).length, 5)
      yield* TestClock.adjust("30 seconds")
      yield* Fiber.join(requests)
      assert.strictEqual((yield* sentAt("/charge-points/1"))[5], 30_000)
      assert.strictEqual((yield* fake.counters).meRequests, 0)
    }).pipe(
      // The budget needs no /auth/me; the scope check (H7), which does, is off here.
      Effect.provide(clientOnFake({ client: { rateLimit: { limit: 5, window: "30 seconds" }, scopeCheck: "off" } }))
    ))

  it.scoped("R2: a burst of 3x the budget completes in three windows with zero 429s", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const requests = yield* fireAll(30)
      yield* countSent("/charge-points/1", 10)
      yield* TestClock.adjust("60 seconds")
      yield* countSent("/charge-points/1", 20)
      yield* TestClock.adjust("60 seconds")
      const statuses = yield* Fiber.join(requests)
      assert.strictEqual(statuses.filter((status) => status === 200).length, 30)
      const windows = (yield* sentAt("/charge-points/1")).map((at) => at / 60_000)
      assert.deepStrictEqual(
        windows,
        Array.from({ length: 30 }, (_, i) => Math.floor(i / 10))
      )
      assert.strictEqual((yield* fake.counters).status429, 0)
    }).pipe(Effect.provide(clientOnFake({ consumer: smallConsumer }))))

  it.scoped("R2: onRateLimit fail: over the budget a request fails with RateLimited and is not sent", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      for (let i = 0; i < 10; i++) yield* client.get("/charge-points/1")
      yield* TestClock.adjust("15 seconds")
      const error = yield* Effect.flip(client.get("/charge-points/1"))
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") assert.strictEqual(Duration.toMillis(error.retryAfter), 45_000)
      assert.strictEqual((yield* sentAt("/charge-points/1")).length, 10)
    }).pipe(Effect.provide(clientOnFake({ consumer: smallConsumer, client: { onRateLimit: "fail" } }))))

  it.scoped("R3: the server's count and window win when another program spends the same budget", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const client = yield* MontaHttpClient
      const raw = yield* HttpClient.HttpClient
      // another program with the same credential spends 6 of the 10 at t=0
      const token = yield* auth.accessToken
      for (let i = 0; i < 6; i++) {
        yield* raw.execute(
          HttpClientRequest.get(`${fake.baseUrl}/charge-points/2`).pipe(HttpClientRequest.bearerToken(token))
        )
      }
      yield* TestClock.adjust("20 seconds")
      // our first response says 3 remain and the window resets in 40 s (not 60 s from now)
      yield* client.get("/charge-points/1")
      const requests = yield* fireAll(9)
      yield* countSent("/charge-points/1", 4)
      yield* settle
      assert.strictEqual((yield* sentAt("/charge-points/1")).length, 4)
      yield* TestClock.adjust("41 seconds")
      yield* Fiber.join(requests)
      const at = yield* sentAt("/charge-points/1")
      assert.strictEqual(at.length, 10)
      assert.isTrue(at.slice(4).every((time) => time >= 60_000 && time <= 61_000))
      assert.strictEqual((yield* fake.counters).status429, 0)
    }).pipe(Effect.provide(clientOnFake({ consumer: smallConsumer }))))

  it.scoped("R3: an injected 429 with RateLimit-ResetsIn pauses every caller, then the request succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const client = yield* MontaHttpClient
      yield* client.get("/charge-points/2")
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 429, rateLimitResetsIn: 20 }) })
      const first = yield* Effect.fork(client.get("/charge-points/1"))
      yield* countSent("/charge-points/1", 1)
      const others = yield* fireAll(9, "/charge-points/3")
      yield* TestClock.adjust("20 seconds")
      yield* settle
      // nothing was sent during the pause
      assert.deepStrictEqual(yield* sentAt("/charge-points/1"), [0])
      assert.deepStrictEqual(yield* sentAt("/charge-points/3"), [])
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(first)).status, 200)
      assert.deepStrictEqual(yield* Fiber.join(others), Array.from({ length: 9 }, () => 200))
      assert.deepStrictEqual((yield* journalOf("GET", "/charge-points/1")).map((entry) => entry.status), [429, 200])
      assert.isTrue((yield* sentAt("/charge-points/3")).every((at) => at >= 20_000))
      assert.strictEqual(messages.filter((message) => message.includes("429")).length, 1)
    }).pipe(
      Effect.provide(clientOnFake()),
      Effect.provide(Logger.replace(Logger.defaultLogger, capture))
    ))

  it.scoped("L12/R3: a 429 pause of the HTTP client is one RateLimitPaused event in auth.events", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const client = yield* MontaHttpClient
      const events: Array<AuthEvent> = []
      yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
      yield* client.get("/charge-points/2")
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 429, rateLimitResetsIn: 20 }) })
      const first = yield* Effect.fork(client.get("/charge-points/1"))
      yield* countSent("/charge-points/1", 1)
      const others = yield* fireAll(9, "/charge-points/3")
      yield* TestClock.adjust("21 seconds")
      yield* Fiber.join(first)
      yield* Fiber.join(others)
      const paused = events.filter((event) => event._tag === "RateLimitPaused")
      assert.strictEqual(paused.length, 1)
      const [pause] = paused
      if (pause._tag === "RateLimitPaused") {
        // RateLimit-ResetsIn: 20 (whole seconds, so up to a second more), counted from the answer.
        assert.isAtLeast(pause.until, 20_000)
        assert.isAtMost(pause.until, 21_000)
        assert.include(pause.reason, "429")
      }
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("R1: one budget per credential, shared by every client built on the same MontaRateLimiter", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const first = yield* MontaHttpClient.make()
      const second = yield* MontaHttpClient.make()
      const requests = yield* Effect.fork(Effect.forEach(
        Array.from({ length: 12 }, (_, i) => i % 2 === 0 ? first : second),
        (client) => client.get("/charge-points/1"),
        { concurrency: "unbounded" }
      ))
      yield* countSent("/charge-points/1", 10)
      yield* settle
      assert.strictEqual((yield* sentAt("/charge-points/1")).length, 10)
      yield* TestClock.adjust("60 seconds")
      yield* Fiber.join(requests)
      assert.strictEqual((yield* fake.counters).status429, 0)
    }).pipe(
      Effect.provide(MontaRateLimiter.layerWithMemoryStore()),
      Effect.provide(clientOnFake({ consumer: smallConsumer }))
    ))

  it.scoped("R2: after a restart in the middle of a window, one request probes first: nothing is sent that the server refuses", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const raw = yield* HttpClient.HttpClient
      // the previous run of this program spent 8 of the 10 at t=0
      const token = yield* auth.accessToken
      for (let i = 0; i < 8; i++) {
        yield* raw.execute(
          HttpClientRequest.get(`${fake.baseUrl}/charge-points/2`).pipe(HttpClientRequest.bearerToken(token))
        )
      }
      yield* TestClock.adjust("10 seconds")
      // each answer takes a second, so the requests are really in flight together
      yield* fake.injectFault({ path: "/charge-points/1", times: 10, fault: Fault.Delay({ duration: "1 second" }) })
      const requests = yield* fireAll(10)
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("1 second")
      yield* settle
      assert.deepStrictEqual(yield* sentAt("/charge-points/1"), [10_000, 11_000])
      yield* TestClock.adjust("50 seconds")
      yield* Fiber.join(requests)
      const at = yield* sentAt("/charge-points/1")
      assert.strictEqual(at.length, 10)
      assert.isTrue(at.slice(2).every((time) => time >= 60_000))
      assert.strictEqual((yield* fake.counters).status429, 0)
    }).pipe(Effect.provide(clientOnFake({ consumer: smallConsumer }))))
})
