import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

const small = { clientId: "small", clientSecret: "small-secret", rateLimit: 3, rateLimitIntervalInSeconds: 60 }
const layer = MontaFake.layerTest({ consumers: [small] })

const rateHeaders = (headers: Record<string, string>) => ({
  policy: headers["ratelimit-policy"],
  quota: headers["ratelimit-quota"],
  window: headers["ratelimit-timewindow"],
  remaining: headers["ratelimit-remaining"],
  resetsIn: headers["ratelimit-resetsin"]
})

describe("rate limit", () => {
  it.effect("§1: every counted response carries RateLimit-*; the window opens at the first counted request", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(small)
      yield* TestClock.adjust("10 seconds")
      const first = yield* send("GET", "/charge-points", { token })
      assert.deepStrictEqual(rateHeaders(first.response.headers), {
        policy: "Quota",
        quota: "3",
        window: "60",
        remaining: "2",
        resetsIn: "60"
      })
      yield* TestClock.adjust("15500 millis")
      const second = yield* send("GET", "/charge-points/1", { token })
      assert.strictEqual(second.response.headers["ratelimit-remaining"], "1")
      assert.strictEqual(second.response.headers["ratelimit-resetsin"], "45")
      const forbidden = yield* send("GET", "/charge-points/999999", { token })
      assert.strictEqual(forbidden.status, 404)
      assert.strictEqual(forbidden.response.headers["ratelimit-remaining"], "0")
    }).pipe(Effect.provide(layer)))

  it.effect("§1: over the limit the answer is 429 with the headers and Retry-After; the next window resets", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(small)
      for (let i = 0; i < 3; i++) {
        assert.strictEqual((yield* send("GET", "/charge-points", { token })).status, 200)
      }
      yield* TestClock.adjust("20 seconds")
      const limited = yield* send("GET", "/charge-points", { token })
      assert.strictEqual(limited.status, 429)
      assert.strictEqual((limited.body as { errorCode: string }).errorCode, "RATE_LIMIT_EXCEEDED")
      assert.strictEqual(limited.response.headers["retry-after"], "40")
      assert.deepStrictEqual(rateHeaders(limited.response.headers), {
        policy: "Quota",
        quota: "3",
        window: "60",
        remaining: "0",
        resetsIn: "40"
      })
      yield* TestClock.adjust(40_000 - 1)
      assert.strictEqual((yield* send("GET", "/charge-points", { token })).status, 429)
      yield* TestClock.adjust(1)
      const reset = yield* send("GET", "/charge-points", { token })
      assert.strictEqual(reset.status, 200)
      assert.strictEqual(reset.response.headers["ratelimit-remaining"], "2")
      assert.strictEqual(reset.response.headers["ratelimit-resetsin"], "60")
      const fake = yield* MontaFake
      assert.strictEqual((yield* fake.counters).status429, 2)
    }).pipe(Effect.provide(layer)))

  it.effect("§1: auth endpoints are Fair-Use and not counted; rejected bearer tokens are not counted", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 5; i++) yield* login(small)
      const { accessToken: token, refreshToken } = yield* login(small)
      for (let i = 0; i < 5; i++) {
        const me = yield* send("GET", "/auth/me", { token })
        assert.strictEqual(me.status, 200)
        assert.strictEqual(me.response.headers["ratelimit-policy"], "Fair-Use")
        assert.isUndefined(me.response.headers["ratelimit-remaining"])
        yield* send("GET", "/charge-points", { token: "not-a-token" })
      }
      const refreshed = yield* send("POST", "/auth/refresh", { json: { refreshToken } })
      assert.strictEqual(refreshed.response.headers["ratelimit-policy"], "Fair-Use")
      const counted = yield* send("GET", "/charge-points", { token })
      assert.strictEqual(counted.response.headers["ratelimit-remaining"], "2")
    }).pipe(Effect.provide(layer)))

  it.effect("§1: the window is per consumer, not per token", () =>
    Effect.gen(function*() {
      const a = yield* login(small)
      const b = yield* login(small)
      yield* send("GET", "/charge-points", { token: a.accessToken })
      yield* send("GET", "/charge-points", { token: b.accessToken })
      yield* send("GET", "/charge-points", { token: a.accessToken })
      assert.strictEqual((yield* send("GET", "/charge-points", { token: b.accessToken })).status, 429)
    }).pipe(Effect.provide(layer)))
})
