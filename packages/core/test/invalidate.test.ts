import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { authOnFake } from "./fixtures.js"

describe("invalidate", () => {
  it.scoped("L10: 100 concurrent 401s for one token (invalidate(token) + accessToken) cause one refresh", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      const tokens = yield* Effect.all(
        Array.from({ length: 100 }, () => Effect.zipRight(auth.invalidate(first), auth.accessToken)),
        { concurrency: "unbounded" }
      )
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 1)
      assert.strictEqual(counters.tokenRequests, 1)
      assert.strictEqual(new Set(tokens.map(Redacted.value)).size, 1)
      assert.notStrictEqual(Redacted.value(tokens[0]), Redacted.value(first))
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L10: invalidate(token) with a token that is no longer current changes nothing", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* auth.invalidate(first)
      const second = yield* auth.accessToken
      yield* auth.invalidate(first)
      assert.strictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(second))
      assert.strictEqual((yield* fake.counters).requests, 2)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L10: invalidate() drops the current token; the next rotation does not re-adopt the stored one", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.current
      yield* auth.invalidate()
      const next = yield* auth.current
      assert.notStrictEqual(Redacted.value(next.accessToken), Redacted.value(first.accessToken))
      assert.strictEqual(next.version, first.version + 1)
      assert.strictEqual((yield* fake.counters).refreshRequests, 1)
    }).pipe(Effect.provide(authOnFake())))
})
