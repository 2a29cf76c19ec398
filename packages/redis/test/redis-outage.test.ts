import { assert, describe, it } from "@effect/vitest"
import { MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { Redis } from "ioredis"
import { RedisTokenStore } from "../src/index.js"
import { adminRedis, dedicatedRedis, isLiveAccessToken, startInstance, testKey, uniquePrefix } from "./support/fleet.js"
import { linesWith, withCapturedLogs } from "./support/logs.js"
import { rotateOver } from "./support/protocol.js"
import { freePort, startRedisServer, stopRedisServer } from "./support/redis-server.js"

const liveClock = Clock.make()
const clientId = MontaFake.demoConsumer.clientId

/** Fails the test if `effect` takes longer than `millis` of real time (a caller blocked). */
const boundedInRealTime = (millis: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.raceFirst(
    effect,
    Effect.sleep(millis).pipe(
      Effect.withClock(liveClock),
      Effect.zipRight(Effect.dieMessage(`a caller waited more than ${millis} ms`))
    )
  )

/** Polls (real time) until every instance's three connections are back. */
const awaitConnections = (url: string, count: number) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new Redis(url)),
    (redis) =>
      Effect.promise(() => redis.client("LIST") as Promise<string>).pipe(
        Effect.map((list) => list.trim().split("\n").length - 1),
        Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (others) => others >= count }),
        Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("instances did not reconnect") }),
        Effect.withClock(liveClock),
        Effect.orDie
      ),
    (redis) => Effect.promise(() => redis.quit())
  )

describe("Redis outage", () => {
  it.scoped(
    "F5: Redis stopped and restarted mid-run loses no caller, and the fleet rejoins one refresh per lifetime",
    () =>
      Effect.gen(function*() {
        const port = yield* Effect.promise(freePort)
        const url = `redis://127.0.0.1:${port}`
        const server = { current: yield* Effect.promise(() => startRedisServer(port)) }
        yield* Effect.addFinalizer(() => Effect.promise(() => stopRedisServer(server.current)))
        const keyPrefix = uniquePrefix()
        const instances = yield* Effect.all(
          Array.from({ length: 8 }, () =>
            Effect.flatMap(Scope.make(), (scope) =>
              startInstance({
                scope,
                keyPrefix,
                url,
                redis: { commandTimeout: "250 millis", connectTimeout: "1 second" }
              })))
        )
        const fake = yield* MontaFake
        let invalidTokens = 0
        let callersServed = 0
        let callsAtRejoin = 0
        const stepsPerHour = 12
        for (let step = 0; step < 10 * stepsPerHour; step++) {
          if (step === 2 * stepsPerHour) yield* Effect.promise(() => stopRedisServer(server.current))
          if (step === 5 * stepsPerHour) {
            server.current = yield* Effect.promise(() => startRedisServer(port))
            yield* awaitConnections(url, 8 * 3)
          }
          if (step === 7 * stepsPerHour) {
            const counters = yield* fake.counters
            callsAtRejoin = counters.tokenRequests + counters.refreshRequests
          }
          yield* Effect.all(
            instances.map(({ auth, client }) =>
              Effect.gen(function*() {
                const token = yield* auth.accessToken
                if (!(yield* isLiveAccessToken(token))) invalidTokens++
                const response = yield* client.get("/charge-points?perPage=1")
                assert.strictEqual(response.status, 200)
                callersServed++
              }).pipe(boundedInRealTime(5_000))
            ),
            { concurrency: "unbounded" }
          )
          yield* TestClock.adjust("5 minutes")
        }
        assert.strictEqual(callersServed, 8 * 10 * stepsPerHour)
        assert.strictEqual(invalidTokens, 0)
        const counters = yield* fake.counters
        assert.strictEqual(counters.rejectedTokens, 0)
        // Back on Redis: the last 3 hours (about 3 token lifetimes) cost about one call each, not 8.
        assert.isAtMost(counters.tokenRequests + counters.refreshRequests - callsAtRejoin, 4)
        const store = yield* RedisTokenStore.make({ url, keyPrefix, encryptionKey: testKey })
        assert.isTrue(Option.isSome(yield* store.load(clientId)))
      }).pipe(Effect.provide(MontaFake.layerTest())),
    120_000
  )

  it.scoped("F5: with Redis down, load and rotate fail fast with TokenStoreError instead of hanging", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const store = yield* RedisTokenStore.make({
        url: `redis://127.0.0.1:${port}`,
        keyPrefix: uniquePrefix(),
        encryptionKey: testKey,
        connectTimeout: "200 millis",
        commandTimeout: "200 millis"
      })
      const loaded = yield* Effect.flip(store.load(clientId)).pipe(boundedInRealTime(2_000))
      assert.strictEqual(loaded._tag, "TokenStoreError")
      let refreshed = false
      const rotated = yield* Effect.flip(
        rotateOver(store, {
          clientId,
          seen: Option.none(),
          accept: () => true,
          refresh: () => Effect.sync(() => (refreshed = true)).pipe(Effect.zipRight(Effect.dieMessage("not reached")))
        })
      ).pipe(boundedInRealTime(2_000))
      assert.strictEqual(rotated._tag, "TokenStoreError")
      assert.isFalse(refreshed)
    }))

  it.scopedLive(
    "F5: with Redis paused (slow), callers finish within the command timeout on local state, and the outage and the return are logged",
    () =>
      withCapturedLogs((logs) =>
        Effect.gen(function*() {
          // A Redis of its own: CLIENT PAUSE stops every client of the server.
          const url = yield* dedicatedRedis
          const keyPrefix = uniquePrefix()
          const { auth, client } = yield* startInstance({
            scope: yield* Effect.scope,
            keyPrefix,
            url,
            redis: { commandTimeout: "200 millis" }
          })
          const first = yield* auth.current
          assert.strictEqual(first.version, 1)
          assert.strictEqual((yield* client.get("/charge-points?perPage=1")).status, 200)
          const admin = yield* adminRedis(url)
          // Redis answers nothing for 5 s; the callers below must not wait for it (200 ms per command).
          yield* Effect.promise(() => admin.client("PAUSE", "5000", "ALL"))
          const during = yield* Effect.gen(function*() {
            yield* auth.invalidate()
            const token = yield* auth.current
            const response = yield* client.get("/charge-points?perPage=1")
            return { token, status: response.status }
          }).pipe(boundedInRealTime(2_500))
          // On local state: a pair of its own (not stored), the request counted in this process.
          assert.strictEqual(during.token.version, 2)
          assert.isTrue(yield* isLiveAccessToken(during.token.accessToken))
          assert.strictEqual(during.status, 200)
          assert.lengthOf(linesWith(logs, "ERROR", "(token store) unavailable: Redis did not answer within 200ms"), 1)
          assert.lengthOf(linesWith(logs, "ERROR", "(rate budget) unavailable: Redis did not answer within 200ms"), 1)
          assert.lengthOf(linesWith(logs, "WARN", "is back"), 0)
          // The admin connection's PING is held until the pause is over.
          yield* Effect.promise(() => admin.ping()).pipe(boundedInRealTime(20_000))
          yield* auth.invalidate()
          const after = yield* auth.current
          // Back on Redis: v1 was still stored; this instance writes over it, above the version it holds.
          assert.strictEqual(after.version, 3)
          const store = yield* RedisTokenStore.make({ url, keyPrefix, encryptionKey: testKey })
          assert.strictEqual(Option.getOrThrow(yield* store.load(clientId)).version, 3)
          assert.lengthOf(linesWith(logs, "WARN", "(token store) is back; rejoining the fleet"), 1)
          assert.lengthOf(linesWith(logs, "ERROR", "(token store) unavailable"), 1)
        })
      ).pipe(Effect.provide(MontaFake.layerTest())),
    60_000
  )
})
