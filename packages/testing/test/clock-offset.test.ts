import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { MontaFake } from "../src/index.js"
import { assertMontaDate, login, send } from "./utils.js"

describe("clock offset", () => {
  it.effect("§7: a server 2 h ahead writes its Date header and expiration dates 2 h ahead", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.setClockOffset("2 hours")
      const answer = yield* send("POST", "/auth/token", {
        json: { clientId: "demo-client-id", clientSecret: "demo-client-secret" }
      })
      assert.strictEqual(answer.response.headers["date"], "Thu, 01 Jan 1970 02:00:00 GMT")
      assertMontaDate((answer.body as { accessTokenExpirationDate: string }).accessTokenExpirationDate, 3 * 3_600_000)
      const [pair] = yield* fake.tokensOf("demo-client-id")
      assert.strictEqual(pair!.accessExpiresAt, 3 * 3_600_000)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: a server 2 h behind (negative offset) writes dates 2 h behind", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* TestClock.setTime(10 * 3_600_000)
      yield* fake.setClockOffset("-2 hours")
      const pair = yield* login()
      assertMontaDate(pair.accessTokenExpirationDate, 9 * 3_600_000)
      yield* fake.setClockOffset(-30 * 60_000)
      const me = yield* send("GET", "/auth/me", { token: pair.accessToken })
      assert.strictEqual(me.response.headers["date"], "Thu, 01 Jan 1970 09:30:00 GMT")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: the server checks expiry on its own clock: the lifetime is still 1 h of the test clock", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.setClockOffset("2 hours")
      const pair = yield* login()
      yield* TestClock.adjust(3_600_000 - 1)
      assert.strictEqual((yield* send("GET", "/auth/me", { token: pair.accessToken })).status, 200)
      yield* TestClock.adjust(1)
      assert.strictEqual((yield* send("GET", "/auth/me", { token: pair.accessToken })).status, 401)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: moving the server clock forward expires tokens early, as a real skewed server would", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const pair = yield* login()
      yield* fake.setClockOffset("1 hour")
      assert.strictEqual((yield* send("GET", "/auth/me", { token: pair.accessToken })).status, 401)
      yield* fake.setClockOffset(0)
      assert.strictEqual((yield* send("GET", "/auth/me", { token: pair.accessToken })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
