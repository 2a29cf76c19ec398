import { assert, describe, it } from "@effect/vitest"
import { InvalidOptions, TokenStore, TokenStoreError } from "@monta-auth/core"
import type { StoredToken } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Redis } from "ioredis"
import { RedisTokenStore } from "../src/index.js"
import { holdRefresh, isValidAtFake, redisUrl, rotateLikeMontaAuth, testKey, uniquePrefix } from "./support/fleet.js"
import { linesWith, withCapturedLogs } from "./support/logs.js"

const rawRedis = Effect.acquireRelease(
  Effect.sync(() => new Redis(redisUrl())),
  (redis) => Effect.promise(() => redis.quit())
)

describe("RedisTokenStore", () => {
  it.scoped("F1: a rotated pair is stored under the clientId with version 1, then 2, and loads back", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const store = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
      assert.isTrue(Option.isNone(yield* store.load(MontaFake.demoConsumer.clientId)))
      const first = yield* rotateLikeMontaAuth(store, Option.none())
      assert.strictEqual(first.version, 1)
      const second = yield* rotateLikeMontaAuth(store, Option.some(1))
      assert.strictEqual(second.version, 2)
      const loaded = yield* store.load(MontaFake.demoConsumer.clientId)
      assert.isTrue(Option.isSome(loaded))
      const stored = Option.getOrThrow(loaded)
      assert.strictEqual(stored.version, 2)
      assert.strictEqual(Redacted.value(stored.pair.accessToken), Redacted.value(second.pair.accessToken))
      assert.strictEqual(Redacted.value(stored.pair.refreshToken), Redacted.value(second.pair.refreshToken))
      assert.strictEqual(stored.accessExpiresAt, second.accessExpiresAt)
      const redis = yield* rawRedis
      const raw = yield* Effect.promise(() =>
        redis.hget(RedisTokenStore.keys("demo-client-id", keyPrefix).token, "version")
      )
      assert.strictEqual(raw, "2")
      yield* store.clear(MontaFake.demoConsumer.clientId)
      assert.isTrue(Option.isNone(yield* store.load(MontaFake.demoConsumer.clientId)))
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("F1: a newer stored token is adopted without calling Monta", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const writer = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
      const reader = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
      const written = yield* rotateLikeMontaAuth(writer, Option.none())
      const fake = yield* MontaFake
      const before = yield* fake.counters
      const adopted = yield* rotateLikeMontaAuth(reader, Option.none())
      assert.strictEqual(adopted.version, written.version)
      assert.strictEqual(Redacted.value(adopted.pair.accessToken), Redacted.value(written.pair.accessToken))
      const after = yield* fake.counters
      assert.strictEqual(after.tokenRequests + after.refreshRequests, before.tokenRequests + before.refreshRequests)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("F1: compare-and-set: a version another instance stored during the holder's refresh is kept, the holder's write loses", () =>
    withCapturedLogs((logs) =>
      Effect.gen(function*() {
        const keyPrefix = uniquePrefix()
        const clientId = MontaFake.demoConsumer.clientId
        const holder = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
        const other = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
        yield* rotateLikeMontaAuth(holder, Option.none())
        const { fiber: holding, release } = yield* holdRefresh(holder, Option.some(1))
        // The holder's lease lapses mid-refresh (as when its renewals fail): another instance takes
        // it and stores v2 while the holder's refresh still runs.
        const redis = yield* rawRedis
        yield* Effect.promise(() => redis.del(RedisTokenStore.keys(clientId, keyPrefix).lease))
        const newer = yield* rotateLikeMontaAuth(other, Option.some(1))
        assert.strictEqual(newer.version, 2)
        yield* release
        const used = yield* Fiber.join(holding)
        // The holder did get a pair of its own (/auth/refresh refused the spent v1 token, /auth/token
        // answered), and its compare-and-set over v1 failed: v2 stays, and the holder uses it.
        const counters = yield* Effect.flatMap(MontaFake, (fake) => fake.counters)
        assert.deepStrictEqual(
          { token: counters.tokenRequests, refresh: counters.refreshRequests, rejected: counters.rejectedRefreshes },
          { token: 2, refresh: 2, rejected: 1 }
        )
        const accessOf = (token: StoredToken) => Redacted.value(token.pair.accessToken)
        assert.strictEqual(used.version, 2)
        assert.strictEqual(accessOf(used), accessOf(newer))
        const stored = Option.getOrThrow(yield* other.load(clientId))
        assert.strictEqual(stored.version, 2)
        assert.strictEqual(accessOf(stored), accessOf(newer))
        assert.strictEqual(
          yield* Effect.promise(() => redis.hget(RedisTokenStore.keys(clientId, keyPrefix).token, "version")),
          "2"
        )
        assert.isTrue(yield* isValidAtFake(used))
        // The store is passive: what MontaAuth makes of a lost compare-and-set is core's rotation
        // (its warning is tested there); the store itself said nothing.
        assert.lengthOf(linesWith(logs, "WARN", "during our refresh"), 0)
      })
    ).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("secrets at rest: with a key, Redis holds AES-256-GCM ciphertext, never a token", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const store = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
      const token = yield* rotateLikeMontaAuth(store, Option.none())
      const redis = yield* rawRedis
      const raw = yield* Effect.promise(() => redis.hgetall(RedisTokenStore.keys("demo-client-id", keyPrefix).token))
      assert.strictEqual(raw.encoding, "aes-256-gcm")
      const everything = JSON.stringify(raw)
      assert.notInclude(everything, Redacted.value(token.pair.accessToken))
      assert.notInclude(everything, Redacted.value(token.pair.refreshToken))
      assert.notInclude(everything, "demo-client-id")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("secrets at rest: a store with another key cannot read the pair (TokenStoreError, no token in it)", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const store = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
      yield* rotateLikeMontaAuth(store, Option.none())
      const other = yield* RedisTokenStore.make({
        url: redisUrl(),
        keyPrefix,
        encryptionKey: Redacted.make("another-key-another-key-another-key")
      })
      const error = yield* Effect.flip(other.load("demo-client-id"))
      assert.instanceOf(error, TokenStoreError)
      assert.include(error.message, "does not decrypt")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("secrets at rest: without a key the layer refuses to start unless allowPlaintext is set", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.exit(RedisTokenStore.make({ url: redisUrl(), keyPrefix: uniquePrefix() }))
      assert.isTrue(Exit.isFailure(refused))
      const error = yield* Effect.flip(RedisTokenStore.make({ url: redisUrl(), keyPrefix: uniquePrefix() }))
      assert.instanceOf(error, InvalidOptions)
      const keyPrefix = uniquePrefix()
      const plain = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, allowPlaintext: true })
      const token = yield* rotateLikeMontaAuth(plain, Option.none())
      const redis = yield* rawRedis
      const raw = yield* Effect.promise(() => redis.hgetall(RedisTokenStore.keys("demo-client-id", keyPrefix).token))
      assert.strictEqual(raw.encoding, "plain")
      assert.include(raw.payload, Redacted.value(token.pair.accessToken))
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("layerConfig reads REDIS_URL and MONTA_TOKEN_ENCRYPTION_KEY, and refuses to start without a key", () =>
    Effect.gen(function*() {
      const withKey = ConfigProvider.fromMap(
        new Map([["REDIS_URL", redisUrl()], ["MONTA_TOKEN_ENCRYPTION_KEY", Redacted.value(testKey)]])
      )
      const loaded = yield* Effect.flatMap(TokenStore, (store) => store.load("demo-client-id")).pipe(
        Effect.provide(RedisTokenStore.layerConfig({ keyPrefix: uniquePrefix() })),
        Effect.withConfigProvider(withKey)
      )
      assert.isTrue(Option.isNone(loaded))
      const withoutKey = ConfigProvider.fromMap(new Map([["REDIS_URL", redisUrl()]]))
      const error = yield* TokenStore.pipe(
        Effect.provide(RedisTokenStore.layerConfig({ keyPrefix: uniquePrefix() })),
        Effect.withConfigProvider(withoutKey),
        Effect.flip
      )
      assert.instanceOf(error, InvalidOptions)
    }))
})
