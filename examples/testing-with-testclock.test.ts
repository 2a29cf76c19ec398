/**
 * How to test your own program's token expiry: provide `MontaFake.layerTest()` (the fake Monta
 * API and an in-memory `HttpClient`, no sockets) under `MontaAuth` and move time with `TestClock`.
 * An hour of token lifetime passes in a millisecond, and the fake's counters say what happened.
 */
import { assert, describe, it } from "@effect/vitest"
import { AuthEvent, MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import { Chunk, Effect, Fiber, Layer, Redacted, Schema, Stream, TestClock } from "effect"

// ---------------------------------------------------------------------------------------------
// The program under test: it counts the charge points it can see
// ---------------------------------------------------------------------------------------------

const ChargePoint = Schema.Struct({ id: Schema.Number, name: Schema.String })

const countChargePoints = MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCount)

// ---------------------------------------------------------------------------------------------
// The test layer: the program's layers on top of MontaFake.layerTest()
// ---------------------------------------------------------------------------------------------

const demo = MontaFake.demoConsumer

const TestLive = MontaHttpClient.layer().pipe(
  Layer.provideMerge(Layer.unwrapEffect(Effect.map(MontaFake, (fake) =>
    MontaAuth.layer({
      clientId: demo.clientId,
      clientSecret: Redacted.make(demo.clientSecret),
      baseUrl: fake.baseUrl, // http://monta.fake/api/v1, in memory
      allowInsecure: true
    })))),
  Layer.provideMerge(MontaFake.layerTest()) // access tokens live 1 hour, refresh tokens 24 hours
)

describe("testing with MontaFake and TestClock", () => {
  it.scoped("L4: the token is refreshed before it expires, with /auth/refresh, not a new /auth/token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      assert.strictEqual(yield* countChargePoints, 250)

      // Just before the refresh margin (5 minutes, minus up to 30 s jitter): nothing happened yet.
      yield* TestClock.adjust("54 minutes")
      assert.strictEqual((yield* fake.counters).refreshRequests, 0)

      // Past it: the proactive refresh ran in the background, and the program still works.
      yield* TestClock.adjust("2 minutes")
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 1)
      assert.strictEqual(counters.refreshRequests, 1)
      assert.strictEqual(yield* countChargePoints, 250)
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L4: a day of refreshes keeps one credential login and rotates the refresh token each hour", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* countChargePoints
      yield* TestClock.adjust("24 hours")
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 1)
      assert.isAtLeast(counters.refreshRequests, 24)
      assert.strictEqual(counters.rejectedRefreshes, 0)
      assert.strictEqual(yield* countChargePoints, 250)
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L12: the events stream tells the program what happened, in order", () =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      const events = yield* auth.events.pipe(Stream.take(2), Stream.runCollect, Effect.fork)
      yield* Effect.yieldNow()
      yield* auth.accessToken
      yield* TestClock.adjust("1 hour")
      const tags = Chunk.toReadonlyArray(yield* Fiber.join(events)).map((event) => event._tag)
      assert.deepStrictEqual(tags, ["Acquired", "Refreshed"])
      assert.isTrue(AuthEvent.$is("Refreshed")(Chunk.unsafeLast(yield* Fiber.join(events))))
    }).pipe(Effect.provide(TestLive)))

  it.scoped("H2: a revoked access token costs one 401 and one new token, and the request succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.revokeAccessToken(Redacted.value(yield* auth.accessToken))
      assert.strictEqual(yield* countChargePoints, 250)
      const counters = yield* fake.counters
      assert.strictEqual(counters.rejectedTokens, 1)
      assert.strictEqual(counters.refreshRequests + counters.tokenRequests, 2)
    }).pipe(Effect.provide(TestLive)))
})
