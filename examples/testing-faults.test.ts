/**
 * The testing README's first snippet (also in the root README), run as "my program": `MontaFake.layerTestAuth` (MontaAuth and
 * MontaHttpClient on the in-memory fake in one line) and the TestClock pattern for faults (fork,
 * adjust, join: under TestClock a retry's sleep ends only when the test moves the clock).
 */
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import { Effect, Fiber, Option, Schema, Stream, TestClock } from "effect"

const ChargePoint = Schema.Struct({ id: Schema.Number, name: Schema.String })
const countChargePoints = MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCount)

const TestLive = MontaFake.layerTestAuth({ MontaAuth, MontaHttpClient })

describe("MontaFake.layerTestAuth", () => {
  it.effect("gives MontaAuth and MontaHttpClient on the in-memory fake, with the fake beside them", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      assert.strictEqual(auth.clientId, "demo-client-id")
      assert.strictEqual(auth.baseUrl, fake.baseUrl)
      assert.strictEqual(yield* countChargePoints, 250)
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(TestLive)))

  it.effect("clientId and clientSecret choose the consumer: the team consumer sees team 1 only", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* countChargePoints, 125)
      assert.deepStrictEqual((yield* (yield* MontaAuth).me).teamIds, [1])
    }).pipe(Effect.provide(MontaFake.layerTestAuth({ MontaAuth, MontaHttpClient }, {
      clientId: "team-client-id",
      clientSecret: "team-client-secret"
    }))))

  it.effect("L4: auth options reach MontaAuth.layer and fake options the fake (margin 2 min of a 10 min token)", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* (yield* MontaAuth).accessToken
      yield* TestClock.adjust("7 minutes")
      assert.strictEqual((yield* fake.counters).refreshRequests, 0)
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual((yield* fake.counters).refreshRequests, 1)
    }).pipe(Effect.provide(MontaFake.layerTestAuth({ MontaAuth, MontaHttpClient }, {
      fake: { accessTokenLifetime: "10 minutes" },
      auth: { refreshMargin: "2 minutes", jitter: 0 }
    }))))
})

describe("faults under TestClock: fork, adjust, join", () => {
  it.effect("L7: a 503 with Retry-After is retried once the test moves the clock past the hint", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 2, fault: Fault.Status({ status: 503, retryAfter: 2 }) })

      // Fork: the retry sleeps on the TestClock, which stands still until the test moves it.
      const fiber = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("1 second")
      // Yielding `auth.accessToken` directly here would wait for ever: nothing would move the clock.
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)

      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 3)
      assert.strictEqual(counters.faults, 2)
    }).pipe(Effect.provide(TestLive)))
})

// The snippet of packages/testing/README.md and of the root README's testing section (countChargePoints is countIds here).
const countIds = MontaHttpClient.paginate("/charge-points", Schema.Struct({ id: Schema.Number })).pipe(
  Stream.runCount
)

describe("my program", () => {
  it.effect("sees every charge point", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* countIds, 250)
    }).pipe(Effect.provide(TestLive)))

  it.effect("survives a 503 burst on /auth/token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 2, fault: Fault.Status({ status: 503, retryAfter: 2 }) })
      const fiber = yield* Effect.fork(auth.accessToken) // fork: the retry sleeps on the TestClock
      yield* TestClock.adjust("10 seconds") // move the clock past the retry delays
      yield* Fiber.join(fiber) // join: the token, after two retries
      assert.strictEqual((yield* fake.counters).tokenRequests, 3)
    }).pipe(Effect.provide(TestLive)))
})
