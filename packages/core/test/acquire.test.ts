import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake, demoOptions } from "./fixtures.js"

describe("acquisition", () => {
  it.scoped("L1: building the layer does no I/O; the first use calls /auth/token once", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      assert.strictEqual((yield* fake.counters).requests, 0)
      const token = yield* auth.accessToken
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 1)
      const issued = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
      assert.strictEqual(Redacted.value(token), issued[0].accessToken)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L1: eager: true acquires while the layer is built", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* MontaAuth
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(authOnFake({ eager: true }))))

  it.effect("L1: eager: true fails the layer with the typed error of the first acquisition", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Layer.build(
        MontaAuth.layer(demoOptions({ eager: true, clientSecret: Redacted.make("wrong-secret") })).pipe(
          Layer.provide(MontaFake.layerTest())
        )
      )))
      assert.strictEqual(error._tag, "InvalidCredentials")
    }))

  it.scoped("L2: a valid token is served without I/O", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* TestClock.adjust("30 minutes")
      for (let i = 0; i < 1000; i++) {
        const token = yield* auth.accessToken
        assert.strictEqual(Redacted.value(token), Redacted.value(first))
      }
      const counters = yield* fake.counters
      assert.strictEqual(counters.requests, 1)
    }).pipe(Effect.provide(authOnFake())))
})
