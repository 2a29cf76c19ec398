import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaAuthApi } from "@monta-auth/core"
import { RefreshRequest, TokenRequest } from "@monta-auth/schema"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"

const secret = "s3cret-value"

/** An HttpClient that answers every request with one canned response. */
const answering = (status: number, body: string, headers: Record<string, string> = {}) =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status, headers })))
    )
  )

const api = (status: number, body: string, headers: Record<string, string> = {}) =>
  MontaAuthApi.layer({ baseUrl: "https://api.example/api/v1" }).pipe(Layer.provide(answering(status, body, headers)))

const tokenRequest = new TokenRequest({ clientId: "client", clientSecret: Redacted.make(secret) })

const pairJson = (accessExpires: string, refreshExpires: string) =>
  JSON.stringify({
    accessToken: "access-1",
    refreshToken: "refresh-1",
    accessTokenExpirationDate: accessExpires,
    refreshTokenExpirationDate: refreshExpires
  })

describe("MontaAuthApi", () => {
  it.effect("token: returns the pair, the Date header and the local send time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000)
      const authApi = yield* MontaAuthApi
      const response = yield* authApi.token(tokenRequest)
      assert.strictEqual(Redacted.value(response.pair.accessToken), "access-1")
      assert.strictEqual(response.sentAt, 1_000)
      assert.deepStrictEqual(
        Option.map(response.serverDate, DateTime.toEpochMillis),
        Option.some(Date.UTC(2026, 0, 1, 12, 0, 0))
      )
    }).pipe(
      Effect.provide(
        api(200, pairJson("2026-01-01T13:00:00.123456789Z", "2026-01-02T12:00:00Z"), {
          date: "Thu, 01 Jan 2026 12:00:00 GMT"
        })
      )
    ))

  it.effect("L8: 400/401/403 are AuthEndpointRejected with the server's errorCode and message", () =>
    Effect.gen(function*() {
      const authApi = yield* MontaAuthApi
      const error = yield* Effect.flip(authApi.refresh(new RefreshRequest({ refreshToken: Redacted.make("r") })))
      assert.strictEqual(error._tag, "AuthEndpointRejected")
      if (error._tag === "AuthEndpointRejected") {
        assert.strictEqual(error.endpoint, "/auth/refresh")
        assert.strictEqual(error.status, 401)
        assert.strictEqual(error.errorCode, "INVALID_REFRESH_TOKEN")
        assert.strictEqual(error.serverMessage, "expired")
      }
    }).pipe(Effect.provide(api(401, JSON.stringify({ errorCode: "INVALID_REFRESH_TOKEN", message: "expired" })))))

  it.effect("L7: 5xx is transient with the larger of Retry-After and RateLimit-ResetsIn as the hint", () =>
    Effect.gen(function*() {
      const authApi = yield* MontaAuthApi
      const error = yield* Effect.flip(authApi.token(tokenRequest))
      assert.strictEqual(error._tag, "AuthEndpointFailed")
      if (error._tag === "AuthEndpointFailed") {
        assert.isTrue(error.transient)
        assert.strictEqual(error.status, 503)
        assert.strictEqual(error.retryAfter, 9_000)
      }
    }).pipe(Effect.provide(api(503, "oops, not json", { "retry-after": "4", "ratelimit-resetsin": "9" }))))

  it.effect("L7: Retry-After as an HTTP date counts from the server's Date header", () =>
    Effect.gen(function*() {
      const authApi = yield* MontaAuthApi
      const error = yield* Effect.flip(authApi.token(tokenRequest))
      assert.strictEqual(error._tag === "AuthEndpointFailed" ? error.retryAfter : undefined, 30_000)
    }).pipe(
      Effect.provide(
        api(429, "", { "retry-after": "Thu, 01 Jan 2026 12:00:30 GMT", date: "Thu, 01 Jan 2026 12:00:00 GMT" })
      )
    ))

  it.effect("a 404 is a failure that is not transient", () =>
    Effect.gen(function*() {
      const authApi = yield* MontaAuthApi
      const error = yield* Effect.flip(authApi.token(tokenRequest))
      assert.strictEqual(error._tag === "AuthEndpointFailed" ? error.transient : undefined, false)
    }).pipe(Effect.provide(api(404, "{}"))))

  it.effect("MalformedResponse names the fields that failed, never their values", () =>
    Effect.gen(function*() {
      const authApi = yield* MontaAuthApi
      const error = yield* Effect.flip(authApi.token(tokenRequest))
      assert.strictEqual(error._tag, "MalformedResponse")
      assert.include(error.message, "accessTokenExpirationDate")
      assert.notInclude(error.message, "leaked-access-token")
      assert.notInclude(JSON.stringify(error), "leaked-access-token")
    }).pipe(
      Effect.provide(
        api(200, JSON.stringify({ accessToken: "leaked-access-token", refreshToken: 42, accessTokenExpirationDate: 1 }))
      )
    ))

  it.effect("L9: without a Date header the expiry is anchored to the local send time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 0, 1, 12, 0, 0))
      const auth = yield* MontaAuth
      const current = yield* auth.current
      assert.strictEqual(current.expiresAt, Date.UTC(2026, 0, 1, 13, 0, 0))
    }).pipe(
      Effect.provide(
        MontaAuth.layer({
          clientId: "client",
          clientSecret: Redacted.make(secret),
          baseUrl: "https://api.example/api/v1"
        })
          .pipe(Layer.provide(answering(200, pairJson("2026-01-01T13:00:00Z", "2026-01-02T12:00:00Z"))))
      )
    ))

  it.effect("a MontaAuthApi in the context never overrides the options (the layer's type tells what it uses)", () =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      // The provided API would refuse the credentials (403); the layer uses its own, built from its
      // options on the HttpClient, which answers with a pair.
      const token = yield* auth.accessToken
      assert.strictEqual(Redacted.value(token).length > 0, true)
      assert.strictEqual(auth.baseUrl, "https://api.example/api/v1")
    }).pipe(
      Effect.provide(
        MontaAuth.layer({
          clientId: "client",
          clientSecret: Redacted.make(secret),
          baseUrl: "https://api.example/api/v1"
        })
          .pipe(
            Layer.provide(api(403, "{}")),
            Layer.provide(answering(200, pairJson("2026-01-01T13:00:00Z", "2026-01-02T12:00:00Z")))
          )
      )
    ))
})
