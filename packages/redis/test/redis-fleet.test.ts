import { assert, describe, it } from "@effect/vitest"
import { InvalidOptions, MontaRateLimiterStore, TokenStore } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { createServer, type Socket } from "node:net"
import { RedisFleet, RedisRateLimiterStore, RedisTokenStore } from "../src/index.js"
import { adminRedis, redisUrl, rotateLikeMontaAuth, testKey, uniquePrefix } from "./support/fleet.js"

const clientId = MontaFake.demoConsumer.clientId
const budget = { limit: 5, window: Duration.minutes(1) }

/** Both services of a fleet layer, used once each. */
const useBoth = Effect.gen(function*() {
  const tokens = yield* TokenStore
  const limiter = yield* MontaRateLimiterStore
  const token = yield* rotateLikeMontaAuth(tokens, Option.none())
  const take = yield* limiter.take({ key: clientId, budget, cost: 1, now: 1_000 })
  return { token, take }
})

/**
 * A TCP server that accepts connections and never answers: a Redis that is not there yet. It
 * counts the connections open at once.
 */
const blackHole = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly open: () => number; readonly close: () => void }>((resume) => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resume(Effect.succeed({
        port: typeof address === "object" && address !== null ? address.port : 0,
        open: () => sockets.size,
        close: () => {
          for (const socket of sockets) socket.destroy()
          server.close()
        }
      }))
    })
  }),
  (hole) => Effect.sync(() => hole.close())
)

describe("RedisFleet", () => {
  it.scoped("layerConfig reads REDIS_URL and MONTA_TOKEN_ENCRYPTION_KEY: both stores on that Redis, the pair encrypted", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const config = ConfigProvider.fromMap(
        new Map([["REDIS_URL", redisUrl()], ["MONTA_TOKEN_ENCRYPTION_KEY", Redacted.value(testKey)]])
      )
      const { take, token } = yield* useBoth.pipe(
        Effect.provide(RedisFleet.layerConfig({ keyPrefix })),
        Effect.withConfigProvider(config)
      )
      assert.strictEqual(token.version, 1)
      assert.deepStrictEqual(take, { taken: true, windowStart: 1_000, resetsAt: 61_000, remaining: 4 })
      const redis = yield* adminRedis()
      const stored = yield* Effect.promise(() => redis.hgetall(RedisTokenStore.keys(clientId, keyPrefix).token))
      assert.strictEqual(stored.encoding, "aes-256-gcm")
      assert.strictEqual(stored.version, "1")
      assert.strictEqual(
        yield* Effect.promise(() => redis.hget(RedisRateLimiterStore.key(clientId, keyPrefix), "count")),
        "1"
      )
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.scoped("layerConfig fails with a ConfigError without REDIS_URL, and with InvalidOptions without a key", () =>
    Effect.gen(function*() {
      const missingUrl = yield* Layer.build(RedisFleet.layerConfig({ keyPrefix: uniquePrefix() })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map())),
        Effect.flip
      )
      assert.isTrue(ConfigError.isConfigError(missingUrl))
      const missingKey = yield* Layer.build(RedisFleet.layerConfig({ keyPrefix: uniquePrefix() })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", redisUrl()]]))),
        Effect.flip
      )
      assert.instanceOf(missingKey, InvalidOptions)
    }))

  it.live("F5: building the layer opens its three connections at once, so a Redis not there yet costs one connectTimeout", () =>
    Effect.gen(function*() {
      const hole = yield* blackHole
      // Long timeouts, so no client gives up (and reconnects) while the test counts.
      const connectTimeout = Duration.seconds(20)
      const building = yield* Layer.build(
        RedisFleet.layer({
          url: `redis://127.0.0.1:${hole.port}`,
          allowPlaintext: true,
          connectTimeout,
          commandTimeout: connectTimeout
        })
      ).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.None), Effect.fork)
      // One after the other, the third would only connect once the first two gave up (20 s).
      yield* Effect.sync(hole.open).pipe(
        Effect.filterOrFail((count) => count >= 3),
        Effect.retry(Schedule.spaced("10 millis")),
        Effect.timeoutFail({
          duration: Duration.divide(connectTimeout, 2).pipe(Option.getOrThrow),
          onTimeout: () => new Error(`only ${hole.open()} of 3 connections opened before the first connectTimeout`)
        }),
        Effect.orDie
      )
      assert.strictEqual(hole.open(), 3)
      assert.isNull(building.unsafePoll())
      yield* Fiber.interrupt(building)
    }).pipe(Effect.scoped))
})
