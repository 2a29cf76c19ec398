import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { authOnFake, demoOptions } from "./fixtures.js"

describe("me and scopes", () => {
  it.scoped("L11: me fetches /auth/me once (for 50 concurrent callers too) and caches it until the token changes", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const me = yield* auth.me
      assert.strictEqual(me.clientId, MontaFake.demoConsumer.clientId)
      yield* Effect.all(Array.from({ length: 50 }, () => auth.me), { concurrency: "unbounded" })
      assert.strictEqual((yield* fake.counters).meRequests, 1)
      yield* auth.invalidate()
      yield* auth.me
      assert.strictEqual((yield* fake.counters).meRequests, 2)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L11: requireScope passes for granted scopes and fails with InsufficientScope before any request", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* auth.requireScope("charge-points:read", "wallet-transactions:read")
      const before = (yield* fake.counters).requests
      const error = yield* Effect.flip(auth.requireScope("charge-points:write", "charge-points:read", "sites:read"))
      assert.strictEqual(error._tag, "InsufficientScope")
      if (error._tag === "InsufficientScope") {
        assert.deepStrictEqual(error.required, ["charge-points:write", "sites:read"])
        assert.deepStrictEqual(error.granted, MontaFake.teamConsumer.scopes)
      }
      assert.strictEqual((yield* fake.counters).requests, before)
    }).pipe(
      Effect.provide(
        MontaAuth.layer(demoOptions({
          clientId: MontaFake.teamConsumer.clientId,
          clientSecret: Redacted.make(MontaFake.teamConsumer.clientSecret)
        })).pipe(Layer.orDie, Layer.provideMerge(MontaFake.layerTest()))
      )
    ))

  it.scoped("L11: a 401 from /auth/me for the current token gets a new token and asks once more", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* fake.revokeAccessToken(Redacted.value(first))
      const me = yield* auth.me
      assert.strictEqual(me.clientId, MontaFake.demoConsumer.clientId)
      const counters = yield* fake.counters
      assert.strictEqual(counters.meRequests, 2)
      assert.strictEqual(counters.refreshRequests, 1)
    }).pipe(Effect.provide(authOnFake())))
})
