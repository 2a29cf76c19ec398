import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"
import { login, send, type WirePair } from "./utils.js"

const credentials = { json: { clientId: "demo-client-id", clientSecret: "demo-client-secret" } }

describe("revocation", () => {
  it.effect("§7: a revoked consumer gets 401 CONSUMER_NOT_FOUND and its tokens stop working", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const pair = yield* login()
      yield* fake.revokeConsumer("demo-client-id")
      const token = yield* send("POST", "/auth/token", credentials)
      assert.strictEqual(token.status, 401)
      assert.strictEqual((token.body as { errorCode: string }).errorCode, "CONSUMER_NOT_FOUND")
      assert.strictEqual((yield* send("GET", "/charge-points", { token: pair.accessToken })).status, 401)
      assert.strictEqual(
        (yield* send("POST", "/auth/refresh", { json: { refreshToken: pair.refreshToken } })).status,
        401
      )
      yield* fake.restoreConsumer("demo-client-id")
      assert.strictEqual((yield* send("GET", "/charge-points", { token: pair.accessToken })).status, 401)
      const fresh = yield* login()
      assert.strictEqual((yield* send("GET", "/charge-points", { token: fresh.accessToken })).status, 200)
      const counters = yield* fake.counters
      assert.strictEqual(counters.rejectedCredentials, 1)
      assert.strictEqual(counters.rejectedRefreshes, 1)
      assert.strictEqual(counters.rejectedTokens, 2)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: a wrong secret or an unknown clientId is 401 CONSUMER_NOT_FOUND", () =>
    Effect.gen(function*() {
      for (
        const json of [
          { clientId: "demo-client-id", clientSecret: "wrong" },
          { clientId: "nobody", clientSecret: "demo-client-secret" }
        ]
      ) {
        const answer = yield* send("POST", "/auth/token", { json })
        assert.strictEqual(answer.status, 401)
        assert.deepStrictEqual(answer.body, {
          status: "UNAUTHORIZED",
          message: "No consumer found for the given credentials",
          errorCode: "CONSUMER_NOT_FOUND"
        })
      }
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: revokeAccessToken kills one access token only", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const a = yield* login()
      const b = yield* login()
      yield* fake.revokeAccessToken(a.accessToken)
      const refused = yield* send("GET", "/auth/me", { token: a.accessToken })
      assert.strictEqual(refused.status, 401)
      assert.strictEqual((refused.body as { errorCode: string }).errorCode, "INVALID_ACCESS_TOKEN")
      assert.strictEqual((yield* send("GET", "/auth/me", { token: b.accessToken })).status, 200)
      assert.strictEqual((yield* send("POST", "/auth/refresh", { json: { refreshToken: a.refreshToken } })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: revokeRefreshToken kills one refresh token; its access token still works", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* login()
      const [current] = yield* fake.tokensOf("demo-client-id")
      yield* fake.revokeRefreshToken(current!.refreshToken)
      const refused = yield* send("POST", "/auth/refresh", { json: { refreshToken: current!.refreshToken } })
      assert.strictEqual(refused.status, 401)
      assert.deepStrictEqual(refused.body, {
        status: "UNAUTHORIZED",
        message: "Refresh token revoked",
        errorCode: "INVALID_ACCESS_TOKEN"
      })
      assert.strictEqual((yield* send("GET", "/auth/me", { token: current!.accessToken })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: tokensOf drops pairs that can no longer be used", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const first = yield* login()
      const refreshed = yield* send("POST", "/auth/refresh", { json: { refreshToken: first.refreshToken } })
      yield* fake.revokeAccessToken(first.accessToken)
      const live = yield* fake.tokensOf("demo-client-id")
      assert.deepStrictEqual(live.map((pair) => pair.accessToken), [(refreshed.body as WirePair).accessToken])
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
