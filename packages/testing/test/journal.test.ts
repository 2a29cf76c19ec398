import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Fault, MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

describe("journal", () => {
  it.effect("§7: every request is journaled with method, path (no query), status, time and consumer", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const pair = yield* login()
      yield* TestClock.adjust("5 seconds")
      yield* send("GET", "/charge-points?page=1", { token: pair.accessToken })
      yield* send("GET", "/auth/me", { token: "unknown" })
      yield* send("GET", "/missing")
      assert.deepStrictEqual(yield* fake.journal, [
        { method: "POST", path: "/auth/token", status: 200, at: 0, clientId: "demo-client-id" },
        { method: "GET", path: "/charge-points", status: 200, at: 5000, clientId: "demo-client-id" },
        { method: "GET", path: "/auth/me", status: 401, at: 5000 },
        { method: "GET", path: "/missing", status: 404, at: 5000 }
      ])
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: counters count token, refresh and me requests, rejections, 429s and statuses", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 429, retryAfter: 1 }) })
      yield* send("POST", "/auth/token", { json: { clientId: "demo-client-id", clientSecret: "demo-client-secret" } })
      const pair = yield* login()
      yield* send("POST", "/auth/refresh", { json: { refreshToken: pair.refreshToken } })
      yield* send("POST", "/auth/refresh", { json: { refreshToken: pair.refreshToken } })
      yield* send("GET", "/auth/me", { token: pair.accessToken })
      yield* send("GET", "/charge-points", { token: "bad" })
      assert.deepStrictEqual(yield* fake.counters, {
        requests: 6,
        tokenRequests: 2,
        refreshRequests: 2,
        meRequests: 1,
        authMeRequests: 1,
        rejectedRefreshes: 1,
        rejectedCredentials: 0,
        rejectedTokens: 1,
        status429: 1,
        dropped: 0,
        faults: 1,
        byStatus: { 200: 3, 401: 2, 429: 1 }
      })
      yield* fake.resetJournal
      assert.deepStrictEqual(yield* fake.journal, [])
      assert.strictEqual((yield* fake.counters).requests, 0)
    }).pipe(Effect.provide(MontaFake.layerTest())))
})

describe("journal limit", () => {
  it.effect("§7: the journal keeps the last journalLimit entries; counters keep counting", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      for (let i = 0; i < 5; i++) {
        yield* TestClock.adjust("1 second")
        yield* send("GET", "/missing")
      }
      const journal = yield* fake.journal
      assert.deepStrictEqual(journal.map((entry) => entry.at), [3000, 4000, 5000])
      assert.strictEqual((yield* fake.counters).requests, 5)
    }).pipe(Effect.provide(MontaFake.layerTest({ journalLimit: 3 }))))
})
