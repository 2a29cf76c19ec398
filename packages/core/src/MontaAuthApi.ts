/**
 * `MontaAuthApi`: the three auth endpoints of the Monta Partner API as Effects with typed
 * errors. One attempt per call, nothing cached: `MontaAuth` builds the lifecycle on top.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type { Me, RefreshRequest, TokenPair, TokenRequest } from "@monta-auth/schema"
import * as Context from "effect/Context"
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as internal from "./internal/montaAuthApi.js"
import type { AuthEndpointFailed, AuthEndpointRejected, InvalidOptions, MalformedResponse } from "./MontaError.js"

/**
 * A token pair as an endpoint returned it, with what is needed to anchor its expiry to the
 * server (L9): the response's `Date` header and the local `Clock` time the request was sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenResponse {
  readonly pair: TokenPair
  /** The response's `Date` header, when it had a valid one. */
  readonly serverDate: Option.Option<DateTime.Utc>
  /** Epoch milliseconds on the Effect `Clock` when the request was sent. */
  readonly sentAt: number
}

/**
 * Every error one call to an auth endpoint can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type AuthApiError = AuthEndpointRejected | AuthEndpointFailed | MalformedResponse

/**
 * Options of `MontaAuthApi.layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthApiOptions {
  /** The API base URL, such as `https://partner-api.monta.com/api/v1`. */
  readonly baseUrl: string
  /** Timeout of one request. Default 10 seconds. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Accept an `http:` base URL that is not loopback (tests against a fake host). Default false. */
  readonly allowInsecure?: boolean | undefined
}

/**
 * Where the consumer of a token is asked for: `/consumers/me`, or the deprecated `/auth/me`.
 *
 * @since 0.1.0
 * @category models
 */
export type ConsumerEndpoint = "/consumers/me" | "/auth/me"

/**
 * The auth endpoints.
 *
 * @since 0.1.0
 * @category services
 */
export interface MontaAuthApiService {
  /** The validated base URL, without a trailing slash. */
  readonly baseUrl: string
  /** `POST /auth/token` with client credentials. */
  readonly token: (request: TokenRequest) => Effect.Effect<TokenResponse, AuthApiError>
  /** `POST /auth/refresh` with a refresh token (which the server then treats as used). */
  readonly refresh: (request: RefreshRequest) => Effect.Effect<TokenResponse, AuthApiError>
  /**
   * The consumer of an access token: `GET /consumers/me` (default), or the deprecated
   * `GET /auth/me`. A 404 is an `AuthEndpointFailed` with `status: 404`.
   */
  readonly me: (
    accessToken: Redacted.Redacted<string>,
    endpoint?: ConsumerEndpoint | undefined
  ) => Effect.Effect<Me, AuthApiError>
}

/**
 * The auth endpoints service. `MontaAuth` builds one itself from the `HttpClient`; provide this
 * tag to `MontaAuth.layer` to replace it.
 *
 * @since 0.1.0
 * @category services
 */
export class MontaAuthApi extends Context.Tag("@monta-auth/core/MontaAuthApi")<MontaAuthApi, MontaAuthApiService>() {
  /**
   * Builds the service on the `HttpClient` of the context. Fails with `InvalidOptions` for a base
   * URL that is not https (loopback http is allowed, any http with `allowInsecure`).
   *
   * @since 0.1.0
   * @category constructors
   */
  static make(
    options: AuthApiOptions
  ): Effect.Effect<MontaAuthApiService, InvalidOptions, HttpClient.HttpClient> {
    return internal.make(options)
  }

  /**
   * The service as a layer needing an `HttpClient`.
   *
   * @since 0.1.0
   * @category layers
   */
  static layer(options: AuthApiOptions): Layer.Layer<MontaAuthApi, InvalidOptions, HttpClient.HttpClient> {
    return Layer.effect(MontaAuthApi, internal.make(options))
  }
}

/**
 * Checks a base URL: https, or http on a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), or
 * any http with `allowInsecure`. Returns it without a trailing slash.
 *
 * @since 0.1.0
 * @category constructors
 */
export const validateBaseUrl = (baseUrl: string, allowInsecure?: boolean): Effect.Effect<string, InvalidOptions> =>
  internal.validateBaseUrl(baseUrl, allowInsecure)
