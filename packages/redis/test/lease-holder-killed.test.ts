import { assert, describe, it } from "@effect/vitest"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { Redis } from "ioredis"
import { RedisTokenStore } from "../src/index.js"
import { fakeServer } from "./support/fake-server.js"
import { adminRedis, isLiveAccessToken, redisUrl, startInstance, testKey, uniquePrefix } from "./support/fleet.js"
import { startLeaseHolder } from "./support/lease-holder-process.js"

const clientId = MontaFake.demoConsumer.clientId

describe("lease holder killed", () => {
  it.scoped("F2: an instance closed mid-refresh (its /auth/refresh hanging) leaves the fleet one valid pair", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      // Instance 0 refreshes a minute before the others (margin 6 minutes, no jitter).
      const scopes = yield* Effect.all(Array.from({ length: 8 }, () => Scope.make()))
      const instances = yield* Effect.all(
        scopes.map((scope, index) =>
          startInstance({
            scope,
            keyPrefix,
            auth: { refreshMargin: index === 0 ? "6 minutes" : "5 minutes", jitter: 0 }
          })
        )
      )
      yield* Effect.all(instances.map(({ auth }) => auth.accessToken), { concurrency: "unbounded" })
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/auth/refresh", times: 1, fault: Fault.Delay({ duration: "1 hour" }) })
      yield* TestClock.adjust("54 minutes")
      // Instance 0 now holds the lease, its /auth/refresh stuck in the fake.
      const redis = yield* Effect.acquireRelease(
        Effect.sync(() => new Redis(redisUrl())),
        (client) => Effect.promise(() => client.quit())
      )
      yield* Effect.promise(() => redis.get(RedisTokenStore.keys(clientId, keyPrefix).lease)).pipe(
        Effect.repeat({ schedule: Schedule.spaced("10 millis"), until: (owner) => owner !== null }),
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("instance 0 never took the lease") }),
        Effect.withClock(Clock.make()),
        Effect.orDie
      )
      yield* Scope.close(scopes[0]!, Exit.void)
      assert.isNull(yield* Effect.promise(() => redis.get(RedisTokenStore.keys(clientId, keyPrefix).lease)))
      // The others refresh at 55 minutes: one of them under the lease, the rest adopt its pair.
      yield* TestClock.adjust("1 minute")
      const survivors = instances.slice(1)
      const waitForVersion2 = Effect.all(survivors.map(({ auth }) => auth.current), { concurrency: "unbounded" }).pipe(
        Effect.filterOrFail((all) => all.every((token) => token.version === 2)),
        Effect.retry(Schedule.spaced("10 millis")),
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("the fleet did not rotate") }),
        Effect.withClock(Clock.make()),
        Effect.orDie
      )
      const tokens = yield* waitForVersion2
      assert.strictEqual(new Set(tokens.map((token) => Redacted.value(token.accessToken))).size, 1)
      assert.isTrue(yield* isLiveAccessToken(tokens[0]!.accessToken))
      // The stored refresh token is alive: the next lifetime rotates once more, without a rejection.
      yield* TestClock.adjust("1 hour")
      const next = yield* Effect.all(survivors.map(({ auth }) => auth.current), { concurrency: "unbounded" }).pipe(
        Effect.filterOrFail((all) => all.every((token) => token.version === 3)),
        Effect.retry(Schedule.spaced("10 millis")),
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("no third version") }),
        Effect.withClock(Clock.make()),
        Effect.orDie
      )
      assert.isTrue(yield* isLiveAccessToken(next[0]!.accessToken))
      const counters = yield* fake.counters
      assert.strictEqual(counters.rejectedRefreshes, 0)
      assert.strictEqual(counters.tokenRequests, 1)
      // One refresh per lifetime for the fleet (the killed holder's request was cut off inside the
      // fake's delay, before the fake recorded or answered it).
      assert.strictEqual(counters.refreshRequests, 2)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  /**
   * Three instances in this process (MontaAuth on Redis, lease TTL 1 s, against the fake served on
   * localhost) holding v1, and a lease holder in a child process that is SIGKILLed: no finalizer
   * runs, so its lease stays until its PX expires. Then every instance asks for a new token.
   */
  const killTheHolder = (mode: "mid-refresh" | "rotated", server: ReturnType<typeof fakeServer>) =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const keyPrefix = uniquePrefix()
      const scope = yield* Effect.scope
      const instances = yield* Effect.all(Array.from({ length: 3 }, () =>
        startInstance({
          scope,
          keyPrefix,
          auth: { baseUrl: fake.baseUrl },
          redis: { leaseTtl: "1 second", pollInterval: "50 millis" }
        })))
      const first = yield* Effect.all(instances.map(({ auth }) => auth.current), { concurrency: "unbounded" })
      assert.deepStrictEqual(first.map((token) => token.version), [1, 1, 1])
      if (mode === "mid-refresh") {
        yield* fake.injectFault({ path: "/auth/refresh", times: 1, fault: Fault.Delay({ duration: "1 hour" }) })
      }
      const holder = yield* startLeaseHolder({
        mode,
        redisUrl: redisUrl(),
        keyPrefix,
        fakeUrl: fake.baseUrl,
        leaseTtlMillis: 1_000
      })
      if (mode === "mid-refresh") {
        yield* holder.printed("refreshing").pipe(Effect.timeout("30 seconds"), Effect.orDie)
        // Its /auth/refresh is inside the fake, held by the delay: the holder is mid-refresh.
        yield* Effect.sync(() => server.arrivals("/auth/refresh")).pipe(
          Effect.filterOrFail((arrived) => arrived === 1),
          Effect.retry(Schedule.spaced("10 millis")),
          Effect.timeout("10 seconds"),
          Effect.orDie
        )
      } else {
        yield* holder.printed("rotated 200").pipe(Effect.timeout("30 seconds"), Effect.orDie)
        // Monta rotated: v1's refresh token is spent, and the new pair is only in the dead process.
        assert.strictEqual((yield* fake.counters).refreshRequests, 1)
      }
      const redis = yield* adminRedis()
      const leaseKey = RedisTokenStore.keys(clientId, keyPrefix).lease
      const owner = yield* Effect.promise(() => redis.get(leaseKey))
      assert.isNotNull(owner)
      assert.strictEqual((yield* holder.kill).signal, "SIGKILL")
      // Killed, not closed: the lease is still the dead holder's until it expires.
      assert.strictEqual(yield* Effect.promise(() => redis.get(leaseKey)), owner)
      const served = yield* Effect.all(
        instances.map(({ auth, client }) =>
          Effect.gen(function*() {
            yield* auth.invalidate()
            const token = yield* auth.current
            const response = yield* client.get("/charge-points?perPage=1")
            return { token, status: response.status }
          })
        ),
        { concurrency: "unbounded" }
      ).pipe(
        Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("the fleet did not rotate") }),
        Effect.orDie
      )
      assert.deepStrictEqual(served.map(({ status }) => status), [200, 200, 200])
      const tokens = served.map(({ token }) => token)
      assert.deepStrictEqual(tokens.map((token) => token.version), [2, 2, 2])
      assert.strictEqual(new Set(tokens.map((token) => Redacted.value(token.accessToken))).size, 1)
      assert.isTrue(yield* isLiveAccessToken(tokens[0]!.accessToken))
      const store = yield* RedisTokenStore.make({ url: redisUrl(), keyPrefix, encryptionKey: testKey })
      const stored = Option.getOrThrow(yield* store.load(clientId))
      assert.strictEqual(stored.version, 2)
      assert.strictEqual(Redacted.value(stored.pair.accessToken), Redacted.value(tokens[0]!.accessToken))
      // The lease was taken again after its expiry, and released by the new holder.
      assert.isNull(yield* Effect.promise(() => redis.get(leaseKey)))
      return yield* fake.counters
    })

  const killed = fakeServer()
  it.scopedLive(
    "F2: the lease holder SIGKILLed mid-refresh (another process): once its lease expires, another instance refreshes; one valid pair",
    () =>
      Effect.gen(function*() {
        const counters = yield* killTheHolder("mid-refresh", killed)
        // The dead holder's request never got an answer; the new holder's refresh token was alive.
        assert.strictEqual(counters.tokenRequests, 1)
        assert.strictEqual(counters.refreshRequests, 1)
        assert.strictEqual(counters.rejectedRefreshes, 0)
      }).pipe(Effect.provide(killed.layer)),
    60_000
  )

  const rotated = fakeServer()
  it.scopedLive(
    "F2/F3: the lease holder SIGKILLed after Monta rotated but before it wrote to Redis: the fleet falls back to /auth/token, one valid pair",
    () =>
      Effect.gen(function*() {
        const counters = yield* killTheHolder("rotated", rotated)
        // The new holder's /auth/refresh with the spent v1 token is refused once, then /auth/token.
        assert.strictEqual(counters.refreshRequests, 2)
        assert.strictEqual(counters.rejectedRefreshes, 1)
        assert.strictEqual(counters.tokenRequests, 2)
      }).pipe(Effect.provide(rotated.layer)),
    60_000
  )
})
