import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth, TokenStore } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { authOnFake, demoOptions, settle } from "./fixtures.js"

const clientId = MontaFake.demoConsumer.clientId

const withStore = (
  options: Parameters<typeof demoOptions>[0] = {},
  fakeOptions?: Parameters<typeof MontaFake.layerTest>[0]
) =>
  MontaAuth.layerWithStore(demoOptions(options)).pipe(
    Layer.provideMerge(TokenStore.layerMemory),
    Layer.orDie,
    Layer.provideMerge(MontaFake.layerTest(fakeOptions))
  )

describe("rotation", () => {
  it.scoped("L6: a refresh uses /auth/refresh with the stored refresh token and stores the rotated pair", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const store = yield* TokenStore
      yield* auth.accessToken
      const before = Option.getOrThrow(yield* store.load(clientId))
      yield* TestClock.adjust("55 minutes")
      yield* settle
      const after = Option.getOrThrow(yield* store.load(clientId))
      assert.strictEqual(after.version, before.version + 1)
      assert.notStrictEqual(Redacted.value(after.pair.refreshToken), Redacted.value(before.pair.refreshToken))
      const issued = yield* fake.tokensOf(clientId)
      assert.strictEqual(Redacted.value(after.pair.refreshToken), issued[issued.length - 1].refreshToken)
      // The next refresh uses the rotated refresh token (the fake refuses a used one).
      yield* TestClock.adjust("60 minutes")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 2)
      assert.strictEqual(counters.rejectedRefreshes, 0)
      assert.strictEqual(counters.tokenRequests, 1)
    }).pipe(Effect.provide(withStore({ jitter: 0 }))))

  it.scoped("L6: a refresh token expired by its own date goes straight to /auth/token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const seen: Array<AuthEvent> = []
      yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => seen.push(event))))
      yield* settle
      yield* auth.accessToken
      yield* TestClock.adjust("55 minutes")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 0)
      assert.strictEqual(counters.tokenRequests, 2)
      assert.deepStrictEqual(seen.map((event) => event._tag), ["Acquired", "FellBack", "Acquired"])
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }, { refreshTokenLifetime: "30 minutes" }))))

  it.scoped("L6: /auth/refresh refused (refresh token revoked) falls back to /auth/token once", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const seen: Array<AuthEvent["_tag"]> = []
      yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => seen.push(event._tag))))
      yield* settle
      yield* auth.accessToken
      const issued = yield* fake.tokensOf(clientId)
      yield* fake.revokeRefreshToken(issued[0].refreshToken)
      yield* TestClock.adjust("55 minutes")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 1)
      assert.strictEqual(counters.rejectedRefreshes, 1)
      assert.strictEqual(counters.tokenRequests, 2)
      assert.deepStrictEqual(seen, ["Acquired", "FellBack", "Acquired"])
      const token = yield* auth.accessToken
      const now = yield* fake.tokensOf(clientId)
      assert.strictEqual(Redacted.value(token), now[now.length - 1].accessToken)
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L6/F1: an instance adopts the pair another instance rotated into the shared store", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const store = yield* TokenStore
      const first = yield* MontaAuth.make(demoOptions({ jitter: 0 }))
      const second = yield* MontaAuth.make(demoOptions({ jitter: 0, refreshMargin: "4 minutes" }))
      yield* first.accessToken
      yield* second.accessToken
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
      yield* TestClock.adjust("55 minutes")
      yield* settle
      const stored = Option.getOrThrow(yield* store.load(clientId))
      assert.strictEqual(stored.version, 2)
      yield* TestClock.adjust("1 minute")
      yield* settle
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 1)
      assert.strictEqual(counters.refreshRequests, 1)
      const token = yield* second.accessToken
      assert.strictEqual(Redacted.value(token), Redacted.value(stored.pair.accessToken))
    }).pipe(Effect.provide(Layer.merge(TokenStore.layerMemory, MontaFake.layerTest()))))

  it.scoped("L6/F3: a refused refresh re-reads the store and adopts the newer pair instead of /auth/token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const shared = yield* TokenStore
      const first = yield* MontaAuth.make(demoOptions({ jitter: 0 }))
      yield* first.accessToken
      const original = Option.getOrThrow(yield* shared.load(clientId))
      yield* TestClock.adjust("55 minutes")
      yield* settle
      const rotated = Option.getOrThrow(yield* shared.load(clientId))
      assert.strictEqual(rotated.version, 2)
      // The original access token has expired; its refresh token was used for v2.
      yield* TestClock.adjust("10 minutes")
      // A store that shows the rotation late: its first load still answers the already used pair.
      let loads = 0
      const late = TokenStore.of({
        ...shared,
        load: (id) => loads++ === 0 ? Effect.succeed(Option.some(original)) : shared.load(id)
      })
      const second = yield* MontaAuth.make(demoOptions({ jitter: 0 })).pipe(Effect.provideService(TokenStore, late))
      const token = yield* second.accessToken
      const counters = yield* fake.counters
      assert.strictEqual(counters.rejectedRefreshes, 1)
      assert.strictEqual(counters.tokenRequests, 1)
      assert.strictEqual(Redacted.value(token), Redacted.value(rotated.pair.accessToken))
    }).pipe(Effect.provide(Layer.merge(TokenStore.layerMemory, MontaFake.layerTest()))))

  it.scoped("F1: two instances that rotate at once (a store without a lease): the compare-and-set loser adopts the winner's pair and says so", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const shared = yield* TokenStore
      // No lease, and the first two loads wait for each other: both rotate from the same (empty) state.
      const bothLoaded = yield* Deferred.make<void>()
      let loads = 0
      const racing = TokenStore.of({
        ...shared,
        lease: () => Effect.succeed(true),
        load: (id) =>
          Effect.suspend(() => {
            loads++
            if (loads > 2) return shared.load(id)
            if (loads === 2) Deferred.unsafeDone(bothLoaded, Exit.void)
            return Effect.zipRight(Deferred.await(bothLoaded), shared.load(id))
          })
      })
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const first = yield* MontaAuth.make(demoOptions({ jitter: 0 })).pipe(Effect.provideService(TokenStore, racing))
      const second = yield* MontaAuth.make(demoOptions({ jitter: 0 })).pipe(Effect.provideService(TokenStore, racing))
      const [a, b] = yield* Effect.all([first.accessToken, second.accessToken], { concurrency: "unbounded" }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.strictEqual((yield* fake.counters).tokenRequests, 2)
      assert.strictEqual(Redacted.value(a), Redacted.value(b))
      const stored = Option.getOrThrow(yield* shared.load(clientId))
      assert.strictEqual(stored.version, 1)
      assert.strictEqual(Redacted.value(stored.pair.accessToken), Redacted.value(a))
      assert.lengthOf(warnings.filter((line) => line.includes("another instance stored v1")), 1)
    }).pipe(Effect.provide(Layer.merge(TokenStore.layerMemory, MontaFake.layerTest()))))
})
