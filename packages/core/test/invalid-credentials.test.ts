import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

const clientId = MontaFake.demoConsumer.clientId

describe("invalid credentials", () => {
  it.scoped("L8: /auth/token refusing the credentials is InvalidCredentials, never retried", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.revokeConsumer(clientId)
      const error = yield* Effect.flip(auth.accessToken)
      assert.strictEqual(error._tag, "InvalidCredentials")
      if (error._tag === "InvalidCredentials") {
        assert.strictEqual(error.status, 401)
        assert.strictEqual(error.clientId, clientId)
        assert.strictEqual(error.coolDownUntil, 30_000)
      }
      assert.notInclude(error.message, MontaFake.demoConsumer.clientSecret)
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L8: during the cool-down callers fail fast without a request; afterwards a restored credential recovers", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const events: Array<AuthEvent> = []
      yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
      yield* settle
      yield* fake.revokeConsumer(clientId)
      yield* Effect.flip(auth.accessToken)
      for (let i = 0; i < 100; i++) {
        const error = yield* Effect.flip(auth.accessToken)
        assert.strictEqual(error._tag, "InvalidCredentials")
      }
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual((yield* Effect.flip(auth.accessToken))._tag, "InvalidCredentials")
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
      yield* fake.restoreConsumer(clientId)
      yield* TestClock.adjust("1 second")
      const token = yield* auth.accessToken
      const issued = yield* fake.tokensOf(clientId)
      assert.strictEqual(Redacted.value(token), issued[issued.length - 1].accessToken)
      assert.strictEqual((yield* fake.counters).tokenRequests, 2)
      assert.deepStrictEqual(events.map((event) => event._tag), ["CredentialsRejected", "RefreshFailed", "Acquired"])
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L8: a revoked credential with a live token: refresh refused, /auth/token refused, then recovers", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* auth.accessToken
      yield* fake.revokeConsumer(clientId)
      yield* TestClock.adjust("55 minutes")
      yield* settle
      // The background fiber respects the cool-down: no hammering while the old token lives.
      yield* TestClock.adjust("4 minutes")
      yield* settle
      const counters = yield* fake.counters
      assert.isAtMost(counters.tokenRequests, 1 + Math.ceil((4 * 60) / 30) + 1)
      yield* TestClock.adjust("2 minutes")
      const error = yield* Effect.flip(auth.accessToken)
      assert.strictEqual(error._tag, "InvalidCredentials")
      yield* fake.restoreConsumer(clientId)
      yield* TestClock.adjust("30 seconds")
      yield* settle
      yield* auth.accessToken
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L8: a 401 from /auth/refresh is never InvalidCredentials", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* auth.accessToken
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Status({ status: 401 }) })
      yield* TestClock.adjust("55 minutes")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 2)
      yield* auth.accessToken
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L8: a 401 from /consumers/me is never InvalidCredentials", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/consumers/me", times: 2, fault: Fault.Status({ status: 401 }) })
      const error = yield* Effect.flip(auth.me)
      assert.strictEqual(error._tag, "MontaApiError")
      yield* auth.accessToken
    }).pipe(Effect.provide(authOnFake())))
})
