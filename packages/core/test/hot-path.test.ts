import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import { authOnFake, settle } from "./fixtures.js"

describe("hot path (L2)", () => {
  it.scoped("L2: a valid token is answered by a real Exit, with no I/O and no fiber", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      const before = (yield* fake.counters).requests
      // Effect's public API only: the answer while valid is a finished Exit (SPEC L2 forbids
      // objects that imitate the runtime's shapes), and running it synchronously needs no fiber.
      for (let i = 0; i < 1_000; i++) assert.strictEqual(yield* auth.accessToken, first)
      const exit = Effect.runSyncExit(auth.accessToken)
      assert.isTrue(Exit.isExit(exit) && Exit.isSuccess(exit))
      assert.isFalse(Exit.isExit(auth.accessToken))
      assert.strictEqual((yield* fake.counters).requests, before)
      const current = yield* auth.current
      assert.strictEqual(current.accessToken, first)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L2: accessToken is inline while valid and waits for a new token once expired", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const held = yield* auth.current
      // Expired (and the background refresh has not run: no margin, no jitter).
      yield* TestClock.setTime(held.expiresAt - 500)
      const caller = yield* Effect.fork(auth.accessToken)
      yield* settle
      const token = yield* Fiber.join(caller)
      assert.notStrictEqual(Redacted.value(token), Redacted.value(held.accessToken))
      const current = yield* auth.current
      assert.strictEqual(Redacted.value(current.accessToken), Redacted.value(token))
      assert.isAbove(current.version, held.version)
      assert.strictEqual((yield* fake.counters).refreshRequests, 1)
    }).pipe(Effect.provide(authOnFake({ jitter: 0, refreshMargin: 0 }))))

  it.scoped("L2: printing the effects shows no token", () =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      const token = Redacted.value(yield* auth.accessToken)
      for (const effect of [auth.accessToken, auth.current]) {
        for (const text of [String(effect), JSON.stringify(effect), inspect(effect, { getters: true, depth: 5 })]) {
          assert.notInclude(text, token)
        }
      }
    }).pipe(Effect.provide(authOnFake())))
})
