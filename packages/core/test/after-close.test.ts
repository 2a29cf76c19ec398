import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, TokenStore } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { demoOptions, settle } from "./fixtures.js"

describe("after the layer's scope closed (L14)", () => {
  it.effect("section 11: a caller after the scope closed gets MontaAuthClosed at once, valid token or not", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const auth = yield* MontaAuth.make(demoOptions()).pipe(Scope.extend(scope))
      yield* auth.accessToken
      yield* Scope.close(scope, Exit.void)
      const effects: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
        auth.accessToken,
        auth.current,
        auth.me
      ]
      for (const effect of effects) {
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "MontaAuthClosed")
      }
    }).pipe(Effect.provide(MontaFake.layerTest()), Effect.provide(TokenStore.layerMemory)))

  it.effect("L14: callers waiting for a rotation when the scope closes get MontaAuthClosed, not a hang", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const scope = yield* Scope.make()
      const auth = yield* MontaAuth.make(demoOptions()).pipe(Scope.extend(scope))
      // The token endpoint hangs for an hour: the callers wait on the rotation.
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Delay({ duration: "1 hour" }) })
      const callers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(Effect.flip(auth.accessToken)))
      yield* settle
      yield* Scope.close(scope, Exit.void)
      const errors = yield* Fiber.joinAll(callers)
      assert.deepStrictEqual(errors.map((error) => error._tag), [
        "MontaAuthClosed",
        "MontaAuthClosed",
        "MontaAuthClosed"
      ])
      yield* TestClock.adjust("2 hours")
    }).pipe(Effect.provide(MontaFake.layerTest()), Effect.provide(TokenStore.layerMemory)))
})
