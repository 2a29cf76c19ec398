import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { MontaFake } from "../src/index.js"
import { assertMontaDate, login, send, type WirePair } from "./utils.js"

describe("refresh rotation", () => {
  it.effect("§1: /auth/refresh answers a new pair and the used refresh token is refused (401)", () =>
    Effect.gen(function*() {
      const first = yield* login()
      yield* TestClock.adjust("30 minutes")
      const refreshed = yield* send("POST", "/auth/refresh", { json: { refreshToken: first.refreshToken } })
      assert.strictEqual(refreshed.status, 200)
      const second = refreshed.body as WirePair
      assert.notStrictEqual(second.accessToken, first.accessToken)
      assert.notStrictEqual(second.refreshToken, first.refreshToken)
      assertMontaDate(second.accessTokenExpirationDate, 90 * 60_000)
      const reused = yield* send("POST", "/auth/refresh", { json: { refreshToken: first.refreshToken } })
      assert.strictEqual(reused.status, 401)
      assert.deepStrictEqual(reused.body, {
        status: "UNAUTHORIZED",
        message: "Refresh token already used",
        errorCode: "INVALID_ACCESS_TOKEN"
      })
      assert.strictEqual((yield* send("GET", "/auth/me", { token: second.accessToken })).status, 200)
      const third = yield* send("POST", "/auth/refresh", { json: { refreshToken: second.refreshToken } })
      assert.strictEqual(third.status, 200)
      const fake = yield* MontaFake
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 3)
      assert.strictEqual(counters.rejectedRefreshes, 1)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: the access token of the older pair keeps working until its own date", () =>
    Effect.gen(function*() {
      const first = yield* login()
      yield* send("POST", "/auth/refresh", { json: { refreshToken: first.refreshToken } })
      assert.strictEqual((yield* send("GET", "/auth/me", { token: first.accessToken })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: a refresh token works until 1 ms before its date and is refused at it", () =>
    Effect.gen(function*() {
      const first = yield* login()
      yield* TestClock.adjust("24 hours")
      const expired = yield* send("POST", "/auth/refresh", { json: { refreshToken: first.refreshToken } })
      assert.strictEqual(expired.status, 401)
      assert.strictEqual((expired.body as { message: string }).message, "Refresh token expired")
      const second = yield* login()
      yield* TestClock.adjust(86_400_000 - 1)
      const ok = yield* send("POST", "/auth/refresh", { json: { refreshToken: second.refreshToken } })
      assert.strictEqual(ok.status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: concurrent refreshes with one refresh token: exactly one succeeds", () =>
    Effect.gen(function*() {
      const { refreshToken } = yield* login()
      const answers = yield* Effect.all(
        Array.from({ length: 20 }, () => send("POST", "/auth/refresh", { json: { refreshToken } })),
        { concurrency: "unbounded" }
      )
      const statuses = answers.map((answer) => answer.status).sort()
      assert.deepStrictEqual(statuses, [200, ...Array.from({ length: 19 }, () => 401)])
    }).pipe(Effect.provide(MontaFake.layerTest())))

  // The provider's /auth/refresh 401 example says INVALID_ACCESS_TOKEN (notes, "Error bodies").
  it.effect("§1: an unknown refresh token is refused with 401 INVALID_ACCESS_TOKEN, as the provider's example", () =>
    Effect.gen(function*() {
      const answer = yield* send("POST", "/auth/refresh", { json: { refreshToken: "nope" } })
      assert.strictEqual(answer.status, 401)
      assert.strictEqual((answer.body as { errorCode: string }).errorCode, "INVALID_ACCESS_TOKEN")
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
