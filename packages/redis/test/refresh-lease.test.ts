import { assert, describe, it } from "@effect/vitest"
import type { StoredToken } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { Redis } from "ioredis"
import { RedisTokenStore, type RedisTokenStoreOptions } from "../src/index.js"
import {
  adminRedis,
  dedicatedRedis,
  holdRefresh,
  isValidAtFake,
  redisUrl,
  refreshWithFake,
  rotateLikeMontaAuth,
  testKey,
  uniquePrefix
} from "./support/fleet.js"
import { rotateOver } from "./support/protocol.js"

const clientId = MontaFake.demoConsumer.clientId

/** `n` stores on one prefix, each with its own Redis connections: the instances of a fleet. */
const fleetOf = (n: number, options: RedisTokenStoreOptions = {}) =>
  Effect.gen(function*() {
    const keyPrefix = uniquePrefix()
    const stores = yield* Effect.all(
      Array.from({ length: n }, () =>
        RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey, ...options }))
    )
    return { keyPrefix, stores }
  })

const rawRedis = Effect.acquireRelease(
  Effect.sync(() => new Redis(redisUrl())),
  (redis) => Effect.promise(() => redis.quit())
)

const authCalls = Effect.flatMap(MontaFake, (fake) => fake.counters).pipe(
  Effect.map((counters) => ({
    token: counters.tokenRequests,
    refresh: counters.refreshRequests,
    rejected: counters.rejectedRefreshes
  }))
)

const accessOf = (token: StoredToken) => Redacted.value(token.pair.accessToken)

describe("refresh lease", () => {
  it.scoped("F2: 8 instances needing a first token at once make one /auth/token call and share its pair", () =>
    Effect.gen(function*() {
      const { stores } = yield* fleetOf(8)
      const tokens = yield* Effect.all(stores.map((store) => rotateLikeMontaAuth(store, Option.none())), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(yield* authCalls, { token: 1, refresh: 0, rejected: 0 })
      assert.deepStrictEqual(tokens.map((token) => token.version), Array(8).fill(1))
      assert.strictEqual(new Set(tokens.map(accessOf)).size, 1)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("F2: 8 instances refreshing the same version at once make one /auth/refresh call, none rejected", () =>
    Effect.gen(function*() {
      const { stores } = yield* fleetOf(8)
      yield* rotateLikeMontaAuth(stores[0]!, Option.none())
      yield* TestClock.adjust("56 minutes")
      const tokens = yield* Effect.all(stores.map((store) => rotateLikeMontaAuth(store, Option.some(1))), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(yield* authCalls, { token: 1, refresh: 1, rejected: 0 })
      assert.deepStrictEqual(tokens.map((token) => token.version), Array(8).fill(2))
      assert.strictEqual(new Set(tokens.map(accessOf)).size, 1)
      assert.isTrue(yield* isValidAtFake(tokens[0]!))
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("F2: the lease holder killed mid-refresh: another instance takes the lease and the fleet ends with one valid pair", () =>
    Effect.gen(function*() {
      const { keyPrefix, stores } = yield* fleetOf(8)
      const [holder, ...others] = stores
      yield* rotateLikeMontaAuth(holder!, Option.none())
      yield* TestClock.adjust("56 minutes")
      const fake = yield* MontaFake
      // The holder's /auth/refresh hangs (the fake delays it on the TestClock, which nobody moves).
      yield* fake.injectFault({ path: "/auth/refresh", times: 1, fault: Fault.Delay({ duration: "1 hour" }) })
      const refreshing = yield* Deferred.make<void>()
      const holderFiber = yield* rotateOver(holder!, {
        clientId,
        seen: Option.some(1),
        accept: () => false,
        refresh: (latest) => Effect.zipRight(Deferred.succeed(refreshing, undefined), refreshWithFake(latest))
      }).pipe(Effect.fork)
      yield* Deferred.await(refreshing)
      const redis = yield* rawRedis
      assert.isNotNull(yield* Effect.promise(() => redis.get(RedisTokenStore.keys(clientId, keyPrefix).lease)))
      const waiting = yield* Effect.all(others.map((store) => rotateLikeMontaAuth(store, Option.some(1))), {
        concurrency: "unbounded"
      }).pipe(Effect.fork)
      yield* Fiber.interrupt(holderFiber)
      const tokens = yield* Fiber.join(waiting)
      assert.deepStrictEqual(tokens.map((token) => token.version), Array(7).fill(2))
      assert.strictEqual(new Set(tokens.map(accessOf)).size, 1)
      assert.isTrue(yield* isValidAtFake(tokens[0]!))
      const stored = Option.getOrThrow(yield* stores[3]!.load(clientId))
      assert.strictEqual(accessOf(stored), accessOf(tokens[0]!))
      // The stored refresh token is alive: the next rotation refreshes without a rejection.
      yield* TestClock.adjust("56 minutes")
      const next = yield* rotateLikeMontaAuth(stores[5]!, Option.some(2))
      assert.strictEqual(next.version, 3)
      const calls = yield* authCalls
      assert.strictEqual(calls.rejected, 0)
      assert.strictEqual(calls.token, 1)
      assert.isNull(yield* Effect.promise(() => redis.get(RedisTokenStore.keys(clientId, keyPrefix).lease)))
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("F2: a lease left by a crashed holder expires (PX) and the next instance refreshes", () =>
    Effect.gen(function*() {
      const { keyPrefix, stores } = yield* fleetOf(3, { leaseTtl: "300 millis", pollInterval: "50 millis" })
      yield* rotateLikeMontaAuth(stores[0]!, Option.none())
      yield* TestClock.adjust("56 minutes")
      const redis = yield* rawRedis
      yield* Effect.promise(() =>
        redis.set(RedisTokenStore.keys(clientId, keyPrefix).lease, "crashed-instance", "PX", 300)
      )
      const tokens = yield* Effect.all(stores.map((store) => rotateLikeMontaAuth(store, Option.some(1))), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(tokens.map((token) => token.version), [2, 2, 2])
      assert.deepStrictEqual(yield* authCalls, { token: 1, refresh: 1, rejected: 0 })
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.live("F2: the lease is renewed while a refresh outlasts its TTL, so no second instance refreshes", () =>
    Effect.gen(function*() {
      const { stores } = yield* fleetOf(4, { leaseTtl: "200 millis", pollInterval: "20 millis" })
      let refreshes = 0
      const tokens = yield* Effect.all(
        stores.map((store) =>
          rotateOver(store, {
            clientId,
            seen: Option.none(),
            accept: () => true,
            refresh: (latest) =>
              Effect.gen(function*() {
                refreshes++
                // Real time on purpose: three lease lifetimes pass on the wall clock while Redis holds it.
                yield* Effect.sleep("700 millis")
                return yield* refreshWithFake(latest)
              })
          })
        ),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(refreshes, 1)
      assert.deepStrictEqual(tokens.map((token) => token.version), [1, 1, 1, 1])
    }).pipe(Effect.scoped, Effect.provide(MontaFake.layerTest())))

  it.scoped("F2: a waiting instance wakes on the pub/sub announcement, not on its poll", () =>
    Effect.gen(function*() {
      // Polling every 10 minutes: only the announcement can wake the waiter within the test.
      const { stores } = yield* fleetOf(2, { pollInterval: "10 minutes", waitTimeout: "10 minutes" })
      const { fiber: holder, release } = yield* holdRefresh(stores[0]!)
      const waiter = yield* rotateLikeMontaAuth(stores[1]!, Option.none()).pipe(Effect.fork)
      // The waiter is waiting once its connection's last command is the lease check (EXISTS).
      const redis = yield* rawRedis
      yield* Effect.promise(() => redis.client("LIST") as Promise<string>).pipe(
        Effect.filterOrFail((list) => list.includes("cmd=exists")),
        Effect.retry(Schedule.spaced("5 millis")),
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the waiter never waited") }),
        Effect.withClock(Clock.make()),
        Effect.orDie
      )
      yield* release
      const written = yield* Fiber.join(holder)
      const adopted = yield* Fiber.join(waiter).pipe(
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the waiter was not woken") }),
        Effect.withClock(Clock.make()),
        Effect.orDie
      )
      assert.strictEqual(adopted.version, written.version)
      assert.deepStrictEqual(yield* authCalls, { token: 1, refresh: 0, rejected: 0 })
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scopedLive("F2: with the waiter's pub/sub subscription dead, the polling fallback adopts the new version", () =>
    Effect.gen(function*() {
      // A Redis of its own: the test refuses new connections, which must not hit other test files.
      const url = yield* dedicatedRedis
      const options = { url, keyPrefix: uniquePrefix(), encryptionKey: testKey }
      const holder = yield* RedisTokenStore.make(options)
      // Polls every 100 ms; without polling nothing would wake it before its 10-minute waitTimeout.
      const waiter = yield* RedisTokenStore.make({
        ...options,
        pollInterval: "100 millis",
        waitTimeout: "10 minutes",
        maxWait: "10 minutes"
      })
      const admin = yield* adminRedis(url)
      const clientList = Effect.promise(() => admin.client("LIST") as Promise<string>)
      // Both stores' subscriptions are killed, and no new connection is let in, so they stay dead
      // (ioredis keeps trying to reconnect and re-subscribe, refused: max number of clients reached).
      const connected = (yield* clientList).trim().split("\n").length
      yield* Effect.promise(() => admin.config("SET", "maxclients", String(connected - 2)))
      assert.strictEqual(yield* Effect.promise(() => admin.client("KILL", "TYPE", "pubsub")), 2)
      const subscriptions = Effect.map(Effect.promise(() => admin.call("PUBSUB", "NUMPAT")), Number)
      assert.strictEqual(yield* subscriptions, 0)
      const { fiber: holding, release } = yield* holdRefresh(holder)
      const waiting = yield* rotateLikeMontaAuth(waiter, Option.none()).pipe(Effect.fork)
      // The waiter is waiting once its connection's last command is the lease check (EXISTS).
      yield* clientList.pipe(
        Effect.filterOrFail((list) => list.includes("cmd=exists")),
        Effect.retry(Schedule.spaced("5 millis")),
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("the waiter never waited") }),
        Effect.orDie
      )
      yield* release
      const written = yield* Fiber.join(holding)
      // 100 polls' worth of slack, still a sixtieth of the waitTimeout.
      const adopted = yield* Fiber.join(waiting).pipe(
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("the waiter did not poll") }),
        Effect.orDie
      )
      assert.strictEqual(adopted.version, written.version)
      assert.strictEqual(accessOf(adopted), accessOf(written))
      assert.deepStrictEqual(yield* authCalls, { token: 1, refresh: 0, rejected: 0 })
      // The announcement of the write reached no one: no subscription came back meanwhile.
      assert.strictEqual(yield* subscriptions, 0)
    }).pipe(
      // The killed subscriptions are logged as Redis unavailable (loudly, F5): not this test's point.
      Logger.withMinimumLogLevel(LogLevel.None),
      Effect.provide(MontaFake.layerTest())
    ))
})
