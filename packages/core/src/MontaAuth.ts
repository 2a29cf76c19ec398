/**
 * `MontaAuth`: tokens that are always valid. Provide one layer; every caller gets the current
 * access token, acquired with client credentials, refreshed before it expires with rotating
 * refresh tokens, shared by every concurrent caller (SPEC section 3, rules L1-L13).
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type { Me, Scope } from "@monta-auth/schema"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope_ from "effect/Scope"
import type * as Stream from "effect/Stream"
import { type AuthEvent, MontaAuthEvents } from "./AuthEvent.js"
import { credentialProblem, isCleanCredential } from "./internal/authOptions.js"
import * as internal from "./internal/montaAuth.js"
import type { ConsumerEndpoint } from "./MontaAuthApi.js"
import type { InsufficientScope, InvalidOptions, MontaApiError, TokenError } from "./MontaError.js"
import { TokenStore } from "./TokenStore.js"

/**
 * The production base URL of the Monta Partner API.
 *
 * @since 0.1.0
 * @category constants
 */
export const productionBaseUrl = "https://partner-api.monta.com/api/v1"

/**
 * The sandbox base URL reported by Monta's users.
 *
 * @since 0.1.0
 * @category constants
 */
export const sandboxBaseUrl = "https://partner-api.sandbox.monta.com/api/v1"

/**
 * The current access token with what callers may want to know about it (never the refresh token).
 *
 * @since 0.1.0
 * @category models
 */
export interface CurrentToken {
  readonly accessToken: Redacted.Redacted<string>
  /** Local expiry (epoch milliseconds on the Effect `Clock`), anchored to the server (L9). */
  readonly expiresAt: number
  /** The store version of the pair this token belongs to. */
  readonly version: number
}

/**
 * The retry policy for transient failures of the auth endpoints (L7).
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** First backoff delay. Default 250 millis. */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** Largest single backoff delay. Default 10 seconds. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** Total time a caller spends retrying before `TokenRequestFailed`. Default 30 seconds. */
  readonly maxElapsed?: Duration.DurationInput | undefined
}

/**
 * What a retry `Schedule` is fed after each failed attempt: the pause the server asked for, if it
 * did (`Retry-After`, `RateLimit-ResetsIn`). Whatever the Schedule says, the pause is never shorter.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryInput {
  readonly hintMillis?: number | undefined
}

/**
 * Options of `MontaAuth.layer`. Every duration is a `Duration.DurationInput`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MontaAuthOptions {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Default `https://partner-api.monta.com/api/v1`; https only, except loopback http. */
  readonly baseUrl?: string | undefined
  /** Refresh this long before expiry. Default 5 minutes. */
  readonly refreshMargin?: Duration.DurationInput | undefined
  /** Up to this much random extra earliness (from the Effect `Random`). Default 30 seconds. */
  readonly jitter?: Duration.DurationInput | undefined
  /**
   * Transient failure retries (L7): the limits of the default policy (exponential, jittered,
   * capped), or a `Schedule` of one's own. Either way only transient failures are retried, never
   * sooner than the server asked.
   */
  readonly retry?: RetryOptions | Schedule.Schedule<unknown, RetryInput> | undefined
  /** How long callers fail fast after `/auth/token` refused the credentials (L8). Default 30 seconds. */
  readonly invalidCredentialsCoolDown?: Duration.DurationInput | undefined
  /** Timeout of one auth request. Default 10 seconds. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /**
   * Where `me` asks for the consumer (L11): `/consumers/me` (default), which falls back to the
   * deprecated `/auth/me` when it answers 404 (remembered), or `/auth/me` only.
   */
  readonly consumerEndpoint?: ConsumerEndpoint | undefined
  /** Acquire a token while the layer is built (L1). Default false: construction does no I/O. */
  readonly eager?: boolean | undefined
  /**
   * Accept a plain `http:` base URL on a host that is not loopback (a fake API in tests, such as
   * MontaFake's in-memory `http://monta.fake`). Default false.
   */
  readonly allowInsecure?: boolean | undefined
}

/**
 * The MontaAuth service.
 *
 * @since 0.1.0
 * @category services
 */
export interface MontaAuthService {
  readonly clientId: string
  /** The base URL every request goes to, without a trailing slash. */
  readonly baseUrl: string
  /** A valid access token: no I/O while the current one is valid (L2). */
  readonly accessToken: Effect.Effect<Redacted.Redacted<string>, TokenError>
  /** The current token with its expiry and version. */
  readonly current: Effect.Effect<CurrentToken, TokenError>
  /**
   * Drops the current token so the next caller gets a new one. Given a token, only if it is still
   * the current one, so many simultaneous 401s for one token cause one refresh (L10).
   */
  readonly invalidate: (token?: Redacted.Redacted<string>) => Effect.Effect<void>
  /** `/auth/me` for the current token, cached until the token changes (L11). */
  readonly me: Effect.Effect<Me, TokenError | MontaApiError>
  /** Fails with `InsufficientScope` unless every scope is granted, before any request (L11). */
  readonly requireScope: (
    ...scopes: ReadonlyArray<Scope>
  ) => Effect.Effect<void, InsufficientScope | TokenError | MontaApiError>
  /** What happens to the token, as it happens (L12). */
  readonly events: Stream.Stream<AuthEvent>
}

/**
 * The MontaAuth service tag. Build it with `MontaAuth.layer(options)` or `MontaAuth.layerConfig()`.
 *
 * @example
 * ```ts
 * import { MontaAuth } from "@monta-auth/core"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer, Redacted } from "effect"
 *
 * const AuthLive = MontaAuth.layer({ clientId: "my-client", clientSecret: Redacted.make("s3cret") }).pipe(
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 *
 * const program = Effect.gen(function*() {
 *   const auth = yield* MontaAuth
 *   const token = yield* auth.accessToken
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class MontaAuth extends Context.Tag("@monta-auth/core/MontaAuth")<MontaAuth, MontaAuthService>() {
  /**
   * Builds the service in the current scope on the `TokenStore` of the context: the proactive
   * refresh fiber and any rotation run in it and stop when it closes. The auth endpoints are
   * called through the `HttpClient` with the options' `baseUrl`, `requestTimeout` and
   * `allowInsecure`. No network I/O unless `eager` is set.
   *
   * @since 0.1.0
   * @category constructors
   */
  static make(
    options: MontaAuthOptions
  ): Effect.Effect<MontaAuthService, InvalidOptions | TokenError, HttpClient.HttpClient | TokenStore | Scope_.Scope> {
    return Effect.flatMap(
      MontaAuthEvents.make,
      (events) => Effect.provideService(internal.make(options), MontaAuthEvents, events)
    )
  }

  /**
   * The service as a layer needing only an `HttpClient`, with a token store of its own in memory.
   * For a store that outlives the process (file, Redis, one's own) use `layerWithStore`. Fails
   * with `InvalidOptions` for a bad base URL and, with `eager: true`, with the error of the first
   * acquisition.
   *
   * @since 0.1.0
   * @category layers
   */
  static layer(
    options: MontaAuthOptions
  ): Layer.Layer<MontaAuth | MontaAuthEvents, InvalidOptions | TokenError, HttpClient.HttpClient> {
    return MontaAuth.layerWithStore(options).pipe(Layer.provide(Layer.effect(TokenStore, TokenStore.makeMemory)))
  }

  /**
   * The service on the `TokenStore` its type requires: `TokenStore.layerFileSystem(path)`, the
   * Redis store of `@monta-auth/redis` (fleet mode), or one's own (`TokenStore.makeSimple`).
   *
   * @since 0.1.0
   * @category layers
   */
  static layerWithStore(
    options: MontaAuthOptions
  ): Layer.Layer<MontaAuth | MontaAuthEvents, InvalidOptions | TokenError, HttpClient.HttpClient | TokenStore> {
    return Layer.scoped(MontaAuth, internal.make(options)).pipe(Layer.provideMerge(MontaAuthEvents.layer))
  }

  /**
   * The service from configuration: `MONTA_CLIENT_ID`, `MONTA_CLIENT_SECRET` (redacted) and
   * `MONTA_BASE_URL` (default the production URL; https, or http on a loopback host), with a
   * token store of its own in memory. A missing variable fails the layer with a `ConfigError`
   * that names it.
   *
   * @since 0.1.0
   * @category layers
   */
  static layerConfig(
    options: ConfigOptions = {}
  ): Layer.Layer<
    MontaAuth | MontaAuthEvents,
    ConfigError.ConfigError | InvalidOptions | TokenError,
    HttpClient.HttpClient
  > {
    return MontaAuth.layerConfigWithStore(options).pipe(
      Layer.provide(Layer.effect(TokenStore, TokenStore.makeMemory))
    )
  }

  /**
   * `layerConfig` on the `TokenStore` its type requires.
   *
   * @since 0.1.0
   * @category layers
   */
  static layerConfigWithStore(
    options: ConfigOptions = {}
  ): Layer.Layer<
    MontaAuth | MontaAuthEvents,
    ConfigError.ConfigError | InvalidOptions | TokenError,
    HttpClient.HttpClient | TokenStore
  > {
    return Layer.scoped(
      MontaAuth,
      Effect.flatMap(MontaAuth.config, (config) => internal.make({ ...options, ...config }))
    ).pipe(Layer.provideMerge(MontaAuthEvents.layer))
  }

  /**
   * The credential and base URL as a `Config`: `MONTA_CLIENT_ID`, `MONTA_CLIENT_SECRET` and
   * `MONTA_BASE_URL` (default the production URL).
   *
   * @since 0.1.0
   * @category config
   */
  static get config(): Config.Config<
    { readonly clientId: string; readonly clientSecret: Redacted.Redacted<string>; readonly baseUrl: string }
  > {
    return Config.all({
      clientId: Config.string("MONTA_CLIENT_ID").pipe(
        Config.validate({ message: credentialProblem, validation: isCleanCredential })
      ),
      // Validated before it is wrapped, so the failure names the variable (the value is not shown).
      clientSecret: Config.redacted(
        Config.string("MONTA_CLIENT_SECRET").pipe(
          Config.validate({ message: credentialProblem, validation: isCleanCredential })
        )
      ),
      baseUrl: Config.string("MONTA_BASE_URL").pipe(Config.withDefault(productionBaseUrl))
    })
  }
}

/**
 * Options of `MontaAuth.layerConfig`: everything but the credential and the base URL, which come
 * from the configuration.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions = Omit<MontaAuthOptions, "clientId" | "clientSecret" | "baseUrl">
