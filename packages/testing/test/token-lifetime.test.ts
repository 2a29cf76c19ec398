import { assert, describe, it } from "@effect/vitest"
import { TokenPair } from "@monta-auth/schema"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { MontaFake } from "../src/index.js"
import { assertMontaDate, epochOf, login, send } from "./utils.js"

/** The digits of a Monta date past the millisecond, as nanoseconds. */
const nanosOf = (date: string) => Number(date.slice(-7, -1))

describe("token lifetime", () => {
  it.effect("§1: tokens come from the Effect Random: the same seed gives the same tokens", () =>
    Effect.gen(function*() {
      const first = (seed: number) =>
        login().pipe(Effect.provide(MontaFake.layerTest()), Effect.withRandom(Random.make(seed)))
      const a = yield* first(7)
      const b = yield* first(7)
      const c = yield* first(8)
      assert.strictEqual(a.accessToken, b.accessToken)
      assert.strictEqual(a.refreshToken, b.refreshToken)
      assert.strictEqual(a.accessTokenExpirationDate, b.accessTokenExpirationDate)
      assert.strictEqual(a.refreshTokenExpirationDate, b.refreshTokenExpirationDate)
      assert.notStrictEqual(a.accessToken, c.accessToken)
    }))

  it.effect("§1: /auth/token answers a TokenPair with 9 fractional digits, 1 h and 24 h lifetimes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_123)
      const { body, response, status } = yield* send("POST", "/auth/token", {
        json: { clientId: "demo-client-id", clientSecret: "demo-client-secret" }
      })
      assert.strictEqual(status, 200)
      const pair = yield* Schema.decodeUnknown(TokenPair)(body)
      const raw = body as Record<string, string>
      assert.match(raw.accessTokenExpirationDate!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
      assert.match(raw.accessToken!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.strictEqual(DateTime.toEpochMillis(pair.accessTokenExpirationDate), 1_700_000_000_123 + 3_600_000)
      assert.strictEqual(DateTime.toEpochMillis(pair.refreshTokenExpirationDate), 1_700_000_000_123 + 86_400_000)
      assert.strictEqual(response.headers["date"], "Tue, 14 Nov 2023 22:13:20 GMT")
      assert.strictEqual(response.headers["ratelimit-policy"], "Fair-Use")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: dates are written with non-zero digits past the millisecond, as the real service writes them", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_123)
      const fake = yield* MontaFake
      const pairs = [yield* login(), yield* login(), yield* login()]
      const issued = yield* fake.tokensOf("demo-client-id")
      pairs.forEach((pair, i) => {
        assertMontaDate(pair.accessTokenExpirationDate, issued[i]!.accessExpiresAt)
        assertMontaDate(pair.refreshTokenExpirationDate, issued[i]!.refreshExpiresAt)
      })
      const nanos = pairs.flatMap((pair) =>
        [pair.accessTokenExpirationDate, pair.refreshTokenExpirationDate].map(nanosOf)
      )
      assert.isAbove(new Set(nanos).size, 1, "the digits vary with the token")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: truncated to the millisecond a date is the exact expiry; rounded up it is 1 ms late", () =>
    Effect.gen(function*() {
      const pair = yield* login()
      const written = pair.accessTokenExpirationDate
      const truncated = epochOf(written)
      const roundedUp = truncated + (nanosOf(written) > 0 ? 1 : 0)
      assert.strictEqual(roundedUp, truncated + 1)
      yield* TestClock.setTime(truncated - 1)
      assert.strictEqual((yield* send("GET", "/auth/me", { token: pair.accessToken })).status, 200)
      // the last millisecond a rounding-up client takes for valid is refused
      yield* TestClock.setTime(roundedUp - 1)
      assert.strictEqual((yield* send("GET", "/auth/me", { token: pair.accessToken })).status, 401)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: an access token works until 1 ms before its date and is refused (401) at it", () =>
    Effect.gen(function*() {
      const pair = yield* login()
      const expiresAt = epochOf(pair.accessTokenExpirationDate)
      const ok = yield* send("GET", "/auth/me", { token: pair.accessToken })
      assert.strictEqual(ok.status, 200)
      assert.strictEqual((ok.body as { clientId: string }).clientId, "demo-client-id")
      yield* TestClock.setTime(expiresAt - 1)
      assert.strictEqual((yield* send("GET", "/charge-points", { token: pair.accessToken })).status, 200)
      yield* TestClock.setTime(expiresAt)
      const expired = yield* send("GET", "/charge-points", { token: pair.accessToken })
      assert.strictEqual(expired.status, 401)
      assert.deepStrictEqual(expired.body, {
        status: "UNAUTHORIZED",
        message: "Access token expired",
        errorCode: "INVALID_ACCESS_TOKEN"
      })
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: lifetimes are configurable, by option and at run time", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const first = yield* login()
      assert.strictEqual(epochOf(first.accessTokenExpirationDate), 5 * 60_000)
      assert.strictEqual(epochOf(first.refreshTokenExpirationDate), 30 * 60_000)
      yield* fake.setTokenLifetimes({ access: "10 seconds" })
      const second = yield* login()
      assert.strictEqual(epochOf(second.accessTokenExpirationDate), 10_000)
      assert.strictEqual(epochOf(second.refreshTokenExpirationDate), 30 * 60_000)
    }).pipe(
      Effect.provide(MontaFake.layerTest({ accessTokenLifetime: "5 minutes", refreshTokenLifetime: "30 minutes" }))
    ))

  it.effect("§1: every pair is new, and tokensOf lists the live ones in order", () =>
    Effect.gen(function*() {
      const a = yield* login()
      const b = yield* login()
      const fake = yield* MontaFake
      const issued = yield* fake.tokensOf("demo-client-id")
      assert.deepStrictEqual(issued.map((pair) => pair.accessToken), [a.accessToken, b.accessToken])
      assert.notStrictEqual(a.accessToken, b.accessToken)
      assert.notStrictEqual(a.accessToken, a.refreshToken)
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
