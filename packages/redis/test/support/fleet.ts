import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { MontaAuthOptions, RateLimiterOptions, StoredToken, TokenStoreService } from "@monta-auth/core"
import { MontaAuth, MontaHttpClient, MontaRateLimiter } from "@monta-auth/core"
import { TokenPair } from "@monta-auth/schema"
import { MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"
import { RedisFleet, type RedisTokenStoreOptions } from "../../src/index.js"
import { rotateOver } from "./protocol.js"
import { freePort, startRedisServer, stopRedisServer } from "./redis-server.js"

/** The Redis every test talks to (see global-setup.ts). */
export const redisUrl = (): string => inject("redisUrl")

/** A plain ioredis connection for the test itself (to inspect keys, pause Redis, kill clients), closed with the scope. */
export const adminRedis = (url: string = redisUrl()) =>
  Effect.acquireRelease(
    Effect.sync(() => new Redis(url)),
    (redis) => Effect.sync(() => redis.disconnect())
  )

/**
 * A `redis-server` of the test's own on a free port, stopped with the scope: for tests that pause
 * Redis or refuse its clients, which must not touch the Redis other test files share.
 */
export const dedicatedRedis = Effect.gen(function*() {
  const port = yield* Effect.promise(freePort)
  yield* Effect.acquireRelease(
    Effect.promise(() => startRedisServer(port)),
    (server) => Effect.promise(() => stopRedisServer(server))
  )
  return `redis://127.0.0.1:${port}`
})

/** A key prefix of its own for each test, so tests never see each other's keys. */
export const uniquePrefix = (): string => `test:${randomUUID()}:`

/** A key good enough for tests (32 random-looking characters). */
export const testKey = Redacted.make("0123456789abcdef0123456789abcdef")

const consumer = MontaFake.demoConsumer

const post = (path: string, body: unknown) =>
  Effect.gen(function*() {
    const fake = yield* MontaFake
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${fake.baseUrl}${path}`), body)
    )
    const json = yield* response.json
    return { status: response.status, json }
  }).pipe(Effect.orDie)

const toStored = (json: unknown) =>
  Effect.gen(function*() {
    const pair = yield* Schema.decodeUnknown(TokenPair)(json).pipe(Effect.orDie)
    const now = yield* Clock.currentTimeMillis
    return {
      clientId: consumer.clientId,
      pair,
      accessExpiresAt: DateTime.toEpochMillis(pair.accessTokenExpirationDate),
      refreshExpiresAt: DateTime.toEpochMillis(pair.refreshTokenExpirationDate),
      obtainedAt: now
    } satisfies Omit<StoredToken, "version">
  })

/**
 * What MontaAuth does inside `rotate` (L6), reduced to the fake: `/auth/refresh` with the latest
 * stored refresh token, `/auth/token` when there is none or it is refused.
 */
export const refreshWithFake = (latest: Option.Option<StoredToken>) =>
  Effect.gen(function*() {
    if (Option.isSome(latest)) {
      const refreshed = yield* post("/auth/refresh", { refreshToken: Redacted.value(latest.value.pair.refreshToken) })
      if (refreshed.status === 200) return yield* toStored(refreshed.json)
    }
    const acquired = yield* post("/auth/token", { clientId: consumer.clientId, clientSecret: consumer.clientSecret })
    if (acquired.status !== 200) return yield* Effect.dieMessage(`/auth/token answered ${acquired.status}`)
    return yield* toStored(acquired.json)
  })

/**
 * Starts a rotation on `store` whose refresh (`refreshWithFake`) holds until `release`: succeeds
 * once the store runs the refresh (under its lease), with the rotation's fiber.
 */
export const holdRefresh = (store: TokenStoreService, seen: Option.Option<number> = Option.none()) =>
  Effect.gen(function*() {
    const started = yield* Deferred.make<void>()
    const go = yield* Deferred.make<void>()
    const fiber = yield* rotateOver(store, {
      clientId: consumer.clientId,
      seen,
      accept: () => true,
      refresh: (latest) =>
        Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Deferred.await(go)),
          Effect.zipRight(refreshWithFake(latest))
        )
    }).pipe(Effect.fork)
    yield* Deferred.await(started)
    return { fiber, release: Deferred.succeed(go, undefined) }
  })

/** Whether the fake accepts this access token (GET /auth/me answers 200). */
export const isValidAtFake = (token: StoredToken) =>
  Effect.gen(function*() {
    const fake = yield* MontaFake
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.bearerToken(
        HttpClientRequest.get(`${fake.baseUrl}/auth/me`),
        Redacted.value(token.pair.accessToken)
      )
    )
    return response.status === 200
  }).pipe(Effect.orDie)

/** A rotation the way MontaAuth asks for one: adopt a newer token unless it expires within `margin`. */
export const rotateLikeMontaAuth = (
  store: TokenStoreService,
  seen: Option.Option<number>,
  marginMillis = 5 * 60_000
) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    return yield* rotateOver(store, {
      clientId: consumer.clientId,
      seen,
      accept: (latest) => latest.accessExpiresAt - now > marginMillis,
      refresh: refreshWithFake
    })
  })

/** MontaAuth options for the fake's demo consumer (the in-memory fake's base URL). */
export const demoAuthOptions = (options: Partial<MontaAuthOptions> = {}): MontaAuthOptions => ({
  clientId: MontaFake.demoConsumer.clientId,
  clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
  baseUrl: "http://monta.fake/api/v1",
  allowInsecure: true,
  ...options
})

/** What one instance of a fleet is made of. */
export interface InstanceOptions {
  readonly keyPrefix: string
  readonly url?: string | undefined
  readonly auth?: Partial<MontaAuthOptions> | undefined
  readonly limiter?: RateLimiterOptions | undefined
  readonly redis?: RedisTokenStoreOptions | undefined
}

/**
 * One instance of a fleet as a layer: MontaAuth, a MontaRateLimiter and a MontaHttpClient on Redis
 * connections of its own (`RedisFleet.layer`).
 */
export const instanceLayer = (options: InstanceOptions) =>
  MontaHttpClient.layerRateLimiter().pipe(
    Layer.provideMerge(MontaRateLimiter.layer(options.limiter)),
    Layer.provideMerge(MontaAuth.layerWithStore(demoAuthOptions(options.auth))),
    Layer.provide(
      RedisFleet.layer({
        url: options.url ?? redisUrl(),
        keyPrefix: options.keyPrefix,
        encryptionKey: testKey,
        ...options.redis
      })
    )
  )

/** One instance of a fleet (`instanceLayer`) built in its own scope (closing it kills the instance). */
export const startInstance = (options: InstanceOptions & { readonly scope: Scope.Scope }) =>
  instanceLayer(options).pipe(
    Layer.buildWithScope(options.scope),
    Effect.orDie,
    Effect.map((context) => ({
      auth: Context.get(context, MontaAuth),
      client: Context.get(context, MontaHttpClient)
    }))
  )

/** Whether `token` is an access token the fake issued and that is not expired at the Clock's now. */
export const isLiveAccessToken = (token: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const fake = yield* MontaFake
    const now = yield* Clock.currentTimeMillis
    const issued = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
    return issued.some((pair) => pair.accessToken === Redacted.value(token) && pair.accessExpiresAt > now)
  })
