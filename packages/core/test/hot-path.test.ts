import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import * as hotPath from "../src/internal/hotPath.js"
import { authOnFake, settle } from "./fixtures.js"

/** A hot-path effect over a mutable cell, counting how often each path ran. */
const probe = () => {
  const cell: { value: string | undefined; commits: number; slows: number } = {
    value: "cached",
    commits: 0,
    slows: 0
  }
  const hot = hotPath.make({
    name: "Probe",
    read: () => cell.value,
    slow: Effect.sync(() => {
      cell.slows++
      return "slow"
    })
  })
  // Count the runtime's `commit()` calls: zero means the generator took the inline path.
  const commit = (hot as unknown as { commit: (this: unknown) => unknown }).commit
  const effect: typeof hot = Object.create(hot, {
    commit: {
      value(this: unknown) {
        cell.commits++
        return commit.call(this)
      }
    }
  })
  return { cell, effect }
}

describe("hot path (L2)", () => {
  it.effect("L2: in Effect.gen a readable value is taken inline, with no instruction of its own", () =>
    Effect.gen(function*() {
      const { cell, effect } = probe()
      for (let i = 0; i < 1_000; i++) assert.strictEqual(yield* effect, "cached")
      // If this fails, the installed `effect` no longer reads yielded Exits inline: the hot path is
      // still correct (it goes through `commit`), only slower. See hotPath.ts.
      assert.strictEqual(cell.commits, 0)
      cell.value = undefined
      assert.strictEqual(yield* effect, "slow")
      assert.strictEqual(cell.slows, 1)
      assert.strictEqual(cell.commits, 1)
    }))

  it.effect("L2: a stray read of _tag never lets a later call skip the check", () =>
    Effect.gen(function*() {
      const { cell, effect } = probe()
      assert.strictEqual((effect as unknown as { _tag: string })._tag, "Success")
      cell.value = undefined
      assert.strictEqual(yield* effect, "slow")
      cell.value = "again"
      assert.strictEqual(yield* effect, "again")
      assert.strictEqual(yield* effect, "again")
    }))

  it.effect("L2: outside a generator it is an ordinary effect whose result is a real Exit", () =>
    Effect.gen(function*() {
      const { cell, effect } = probe()
      assert.strictEqual(yield* Effect.map(effect, (value) => `${value}!`), "cached!")
      assert.deepStrictEqual(yield* Effect.all([effect, effect]), ["cached", "cached"])
      const exit = Effect.runSyncExit(effect)
      assert.notStrictEqual(exit as unknown, effect)
      cell.value = undefined
      // The Exit that was handed out does not change when the value goes away.
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(exit, Exit.succeed("cached"))
      assert.strictEqual(Effect.runSync(effect), "slow")
      assert.isFalse(Exit.isExit(effect))
    }))

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
