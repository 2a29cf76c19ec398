import { assert, describe, it } from "@effect/vitest"
import { MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake } from "./fixtures.js"

const cases = [
  ["a body that is not JSON", Fault.MalformedBody(), "the body is not JSON"],
  ["an empty body", Fault.EmptyBody(), "empty body"],
  ["JSON of the wrong shape", Fault.WrongShape(), "unexpected shape"]
] as const

describe("malformed responses", () => {
  for (const [name, fault, problem] of cases) {
    it.scoped(`section 11: ${name} from /auth/token is MalformedResponse, without a secret in its message`, () =>
      Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        yield* fake.injectFault({ path: "/auth/token", fault })
        const error = yield* Effect.flip(auth.accessToken)
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.include(error.message, problem)
        assert.include(error.message, "/auth/token")
        assert.notInclude(error.message, MontaFake.demoConsumer.clientSecret)
        assert.notInclude(JSON.stringify(error), MontaFake.demoConsumer.clientSecret)
        // The next caller tries again and succeeds.
        yield* auth.accessToken
      }).pipe(Effect.provide(authOnFake())))
  }

  it.scoped("section 11: a malformed /auth/refresh answer keeps the old token and is retried later", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = yield* auth.accessToken
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.WrongShape() })
      yield* TestClock.adjust("55 minutes")
      yield* TestClock.adjust("5 seconds")
      const token = yield* auth.accessToken
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 2)
      assert.notStrictEqual(Redacted.value(token), Redacted.value(first))
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))
})
