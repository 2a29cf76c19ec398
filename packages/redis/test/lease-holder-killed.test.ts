import { assert, describe, it } from "@effect/vitest"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { Redis } from "ioredis"
import { RedisTokenStore } from "../src/index.js"
import { isLiveAccessToken, redisUrl, startInstance, uniquePrefix } from "./support/fleet.js"

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
})
