import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { StoredToken, TokenStoreService } from "@monta-auth/core"
import { TokenPair } from "@monta-auth/schema"
import { MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"

/** The Redis every test talks to (see global-setup.ts). */
export const redisUrl = (): string => inject("redisUrl")

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
    return yield* store.rotate({
      clientId: consumer.clientId,
      seen,
      accept: (latest) => latest.accessExpiresAt - now > marginMillis,
      refresh: refreshWithFake
    })
  })
