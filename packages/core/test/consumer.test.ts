/**
 * Issue 12 / SPEC L11 and R5: the consumer from `/consumers/me` (the provider's replacement of the
 * deprecated `/auth/me`, sunset 2024-04-01 per its OpenAPI document), the fallback on 404, and a
 * budget that never hangs on the consumer's optional rate fields or a failed lookup.
 */
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient, MontaRateLimiter } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { authOnFake, demoOptions } from "./fixtures.js"
import { clientOnFake, fakeWithSpy, smallConsumer } from "./http-fixtures.js"

const consumerRequests = Effect.map(
  Effect.flatMap(MontaFake, (fake) => fake.counters),
  (counters) => ({ consumers: counters.meRequests - counters.authMeRequests, authMe: counters.authMeRequests })
)

describe("the consumer (L11) and the budget without rate fields (R5)", () => {
  it.scoped("L11: with MontaFake's /auth/me gone, me, requireScope, the budget and a MontaHttpClient request work through /consumers/me", () =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      const client = yield* MontaHttpClient
      const me = yield* auth.me
      assert.strictEqual(me.clientId, MontaFake.demoConsumer.clientId)
      assert.isArray(me.operatorIds)
      yield* auth.requireScope("charge-points:read")
      const response = yield* client.get("/charge-points/1")
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(yield* consumerRequests, { consumers: 1, authMe: 0 })
    }).pipe(Effect.provide(clientOnFake({ fake: { authMe: "gone" } }))))

  it.scoped("L11: /consumers/me answering 404 falls back to /auth/me, and the fallback is remembered", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/consumers/me", fault: Fault.Status({ status: 404 }) })
      const first = yield* auth.me
      assert.strictEqual(first.clientId, MontaFake.demoConsumer.clientId)
      assert.deepStrictEqual(yield* consumerRequests, { consumers: 1, authMe: 1 })
      // The next token asks again: straight at /auth/me.
      yield* auth.invalidate()
      yield* auth.me
      assert.deepStrictEqual(yield* consumerRequests, { consumers: 1, authMe: 2 })
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L11: consumerEndpoint \"/auth/me\" asks the deprecated endpoint only", () =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      yield* auth.me
      assert.deepStrictEqual(yield* consumerRequests, { consumers: 0, authMe: 1 })
    }).pipe(Effect.provide(authOnFake({ consumerEndpoint: "/auth/me" }))))

  it.scoped("L11: both consumer endpoints gone: me fails with MontaApiError 404, not a TokenRequestFailed", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.setAuthMe("gone")
      yield* fake.injectFault({ path: "/consumers/me", fault: Fault.Status({ status: 404 }) })
      const error = yield* Effect.flip(auth.me)
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag === "MontaApiError") {
        assert.strictEqual(error.status, 404)
        assert.include(error.url, "/auth/me")
      }
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("R5: a consumer without rate fields: the documented 1000 per 600 s until the server's RateLimit-Quota and RateLimit-TimeWindow say otherwise", () =>
    Effect.gen(function*() {
      const limiter = yield* MontaRateLimiter
      const client = yield* MontaHttpClient
      const me = yield* Effect.flatMap(MontaAuth, (auth) => auth.me)
      assert.isUndefined(me.rateLimit)
      const before = yield* limiter.budget
      assert.deepStrictEqual({ limit: before.limit, window: Duration.toMillis(before.window) }, {
        limit: 1000,
        window: 600_000
      })
      yield* client.get("/charge-points/1")
      const after = yield* limiter.budget
      // smallConsumer's real budget, said by the fake's headers only.
      assert.deepStrictEqual({ limit: after.limit, window: Duration.toMillis(after.window) }, {
        limit: 10,
        window: 60_000
      })
    }).pipe(
      Effect.provide(
        MontaHttpClient.layerRateLimiter({ scopeCheck: "off" }).pipe(
          Layer.provideMerge(MontaRateLimiter.layerWithMemoryStore({ calibrate: false })),
          Layer.provideMerge(
            MontaAuth.layer(demoOptions({
              clientId: smallConsumer.clientId,
              clientSecret: Redacted.make(smallConsumer.clientSecret)
            })).pipe(Layer.orDie)
          ),
          Layer.provideMerge(fakeWithSpy({ consumers: [{ ...smallConsumer, omitOptionalFields: true }] }))
        )
      )
    ))

  it.scoped("R5: a consumer lookup that fails never blocks a request: it goes out on the default budget", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const client = yield* MontaHttpClient
      yield* fake.injectFault({ path: "/consumers/me", times: 1_000, fault: Fault.Status({ status: 503 }) })
      // The lookup retries its 503s on the Clock (up to 30 s): the test moves it.
      const request = yield* Effect.fork(client.get("/charge-points/1"))
      yield* TestClock.adjust("1 minute")
      const response = yield* Fiber.join(request)
      assert.strictEqual(response.status, 200)
      assert.isAtLeast((yield* fake.counters).meRequests, 2, "the lookup was tried and failed")
    }).pipe(Effect.provide(clientOnFake())))
})
