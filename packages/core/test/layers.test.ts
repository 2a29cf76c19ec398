import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaRateLimiterStore, TokenStore } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { demoOptions } from "./fixtures.js"

/** A layer giving two tags from one mention of a store layer each, to see whether they share it. */
class First extends Context.Tag("test/First")<First, TokenStore["Type"]>() {}
class Second extends Context.Tag("test/Second")<Second, TokenStore["Type"]>() {}

describe("layers are values", () => {
  it("TokenStore.layerMemory and MontaRateLimiterStore.layerMemory are built once (consts)", () => {
    assert.strictEqual(TokenStore.layerMemory, TokenStore.layerMemory)
    assert.strictEqual(TokenStore.makeMemory, TokenStore.makeMemory)
    assert.strictEqual(MontaRateLimiterStore.layerMemory, MontaRateLimiterStore.layerMemory)
  })

  it.effect("two mentions of TokenStore.layerMemory in one graph share one store (memoization)", () =>
    Effect.gen(function*() {
      const first = yield* First
      const second = yield* Second
      // One store behind both: what one writes, the other reads.
      assert.strictEqual(first, second)
    }).pipe(
      Effect.provide(
        Layer.merge(
          Layer.effect(First, TokenStore).pipe(Layer.provide(TokenStore.layerMemory)),
          Layer.effect(Second, TokenStore).pipe(Layer.provide(TokenStore.layerMemory))
        )
      )
    ))
})

describe("dependencies the type can see", () => {
  it.effect("MontaAuth.layerWithStore uses the TokenStore its type requires", () =>
    Effect.gen(function*() {
      const store = yield* TokenStore
      const auth = yield* MontaAuth
      const current = yield* auth.current
      const stored = Option.getOrThrow(yield* store.load(auth.clientId))
      assert.strictEqual(stored.version, current.version)
    }).pipe(
      Effect.provide(
        MontaAuth.layerWithStore(demoOptions()).pipe(
          Layer.orDie,
          Layer.provideMerge(TokenStore.layerMemory),
          Layer.provideMerge(MontaFake.layerTest())
        )
      )
    ))

  it.effect("MontaAuth.layer keeps a memory store of its own: a TokenStore in the context is not used", () =>
    Effect.gen(function*() {
      const store = yield* TokenStore
      const auth = yield* MontaAuth
      yield* auth.accessToken
      assert.isTrue(Option.isNone(yield* store.load(auth.clientId)))
    }).pipe(
      Effect.provide(
        MontaAuth.layer(demoOptions()).pipe(
          Layer.orDie,
          Layer.provideMerge(TokenStore.layerMemory),
          Layer.provideMerge(MontaFake.layerTest())
        )
      )
    ))
})
