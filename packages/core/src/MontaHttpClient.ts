/**
 * `MontaHttpClient`: the `HttpClient` for the Monta Partner API (SPEC section 4, H1-H6). Relative
 * URLs go to the credential's base URL with a valid bearer token; every request takes from the
 * rate budget first (section 5); a 401 on the current token re-authenticates once; transient
 * failures of idempotent requests are retried; any other non-2xx fails with `MontaApiError`.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as UrlParams from "@effect/platform/UrlParams"
import type { CursorPage, Page } from "@monta-auth/schema"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import type * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as internalCredentials from "./internal/credentialsHttpClient.js"
import * as internal from "./internal/montaHttpClient.js"
import * as internalPaging from "./internal/paging.js"
import { type ConfigOptions, MontaAuth, type RetryInput, type RetryOptions } from "./MontaAuth.js"
import type { MontaCredentials } from "./MontaCredentials.js"
import type {
  InsufficientScope,
  InvalidOptions,
  MontaApiError,
  RateLimited,
  TokenError,
  UnknownCredential
} from "./MontaError.js"
import { MontaRateLimiter, MontaRateLimiterStore, type RateLimiterOptions } from "./MontaRateLimiter.js"

/**
 * Every error a request through `MontaHttpClient` can fail with: the transport's, a non-2xx answer
 * (`MontaApiError`), the rate budget (`RateLimited`, with `onRateLimit: "fail"`) and the token's.
 *
 * @since 0.1.0
 * @category errors
 */
export type MontaHttpClientError =
  | HttpClientError.HttpClientError
  | MontaApiError
  | RateLimited
  | TokenError
  | InsufficientScope
  | UnknownCredential

/**
 * The retry policy for transient failures (H5): transport errors, timeouts, 408 and 5xx. A 429 is
 * not counted here: it pauses every caller until the window resets and is then retried (R3).
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpRetryOptions extends RetryOptions {
  /** Most retries of one request. Default 5; 0 turns retries off. */
  readonly times?: number | undefined
}

/**
 * Options of `MontaHttpClient.layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MontaHttpClientOptions extends RateLimiterOptions {
  /** Sent as the `Monta-Version` header (for example "2024-07-01"). Default: not sent. */
  readonly montaVersion?: string | undefined
  /**
   * Retries of transient failures (H5): the limits of the default policy, or a `Schedule` of one's
   * own (fed the server's hint; a pause is never shorter than it). Which failures are retried is
   * not a matter of policy: transient ones of idempotent methods (or never sent), 401 once, 429
   * through the budget.
   */
  readonly retry?: HttpRetryOptions | Schedule.Schedule<unknown, RetryInput> | undefined
  /**
   * Timeout of one attempt, until the response headers arrive; a timed-out attempt is a transport
   * failure (retried for idempotent methods). Default: 30 seconds (H9).
   */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /**
   * H7: before sending, the endpoint's required scope (the provider's table, `requiredScope` of
   * `@monta-auth/schema`) is checked against the credential's scopes from `me`. `"enforce"`
   * (default) fails with `InsufficientScope` and sends nothing, `"warn"` logs and sends, `"off"`
   * skips the check. It refuses only when sure: an endpoint outside the table, a credential
   * holding scopes the grammar does not know, or a failed consumer lookup let the server decide.
   */
  readonly scopeCheck?: "enforce" | "warn" | "off" | undefined
}

/**
 * Options of `MontaHttpClient.layerCredentials`: those of every credential's client, and how
 * credentials are chosen and kept.
 *
 * @since 0.1.0
 * @category models
 */
export interface CredentialsClientOptions extends MontaHttpClientOptions {
  /** The credential of requests to endpoints outside the provider's table. Default: the first declared. */
  readonly defaultCredential?: string | undefined
  /** How long an unused credential's client (its budget in memory) is kept. Default 10 minutes. */
  readonly idleTimeToLive?: Duration.DurationInput | undefined
}

/**
 * Options of `MontaHttpClient.paginate` and `MontaHttpClient.pages`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PaginateOptions {
  /** Items per page, 1 to 100 (clamped). Default 100. */
  readonly perPage?: number | undefined
  /** More query parameters (filters); `page` and `perPage` are set by the stream. */
  readonly query?: UrlParams.Input | undefined
}

/**
 * The authenticated, budgeted `HttpClient` of the Monta Partner API. Its service is an
 * `HttpClient` whose error channel is `MontaHttpClientError`, so `HttpClientResponse.schemaBodyJson`
 * and every `HttpClient` combinator work on it.
 *
 * @example
 * ```ts
 * import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
 * import { HttpClientResponse } from "@effect/platform"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer, Redacted, Schema } from "effect"
 *
 * const ChargePoint = Schema.Struct({ id: Schema.Number, name: Schema.String })
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* MontaHttpClient
 *   const one = yield* client.get("/charge-points/1").pipe(
 *     Effect.flatMap(HttpClientResponse.schemaBodyJson(ChargePoint))
 *   )
 * })
 *
 * const MontaLive = MontaHttpClient.layer({ montaVersion: "2024-07-01" }).pipe(
 *   Layer.provideMerge(MontaAuth.layer({ clientId: "my-client", clientSecret: Redacted.make("s3cret") })),
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class MontaHttpClient extends Context.Tag("@monta-auth/core/MontaHttpClient")<
  MontaHttpClient,
  HttpClient.HttpClient.With<MontaHttpClientError>
>() {
  /**
   * The client with its own rate limiter in this process's memory, built from `options.rateLimit`
   * and `options.onRateLimit` (default: the budget of `/auth/me`, callers wait).
   */
  static layer(
    options?: MontaHttpClientOptions | undefined
  ): Layer.Layer<MontaHttpClient, never, MontaAuth | HttpClient.HttpClient> {
    return MontaHttpClient.layerRateLimiter(options).pipe(
      Layer.provide(MontaRateLimiter.layerWithMemoryStore({
        rateLimit: options?.rateLimit,
        onRateLimit: options?.onRateLimit,
        calibrate: options?.calibrate
      }))
    )
  }
  /**
   * The client on the `MontaRateLimiter` in context (for example one on a Redis store, shared by a
   * fleet); `rateLimit` options then belong to that limiter, `onRateLimit` still applies per request.
   */
  static layerRateLimiter(
    options?: MontaHttpClientOptions | undefined
  ): Layer.Layer<MontaHttpClient, never, MontaAuth | MontaRateLimiter | HttpClient.HttpClient> {
    return Layer.effect(MontaHttpClient, internal.make(options))
  }
  /**
   * `MontaAuth.layerConfig(options.auth)` (env `MONTA_CLIENT_ID`, `MONTA_CLIENT_SECRET`,
   * `MONTA_BASE_URL`) and this client in one layer that needs only an `HttpClient`.
   */
  static layerConfig(
    options?: MontaHttpClientOptions & { readonly auth?: ConfigOptions | undefined } | undefined
  ): Layer.Layer<
    MontaHttpClient | MontaAuth,
    ConfigError.ConfigError | InvalidOptions | TokenError,
    HttpClient.HttpClient
  > {
    return MontaHttpClient.layer(options).pipe(Layer.provideMerge(MontaAuth.layerConfig(options?.auth)))
  }
  /** Builds the client from the services in context. */
  static make(
    options?: MontaHttpClientOptions | undefined
  ): Effect.Effect<
    HttpClient.HttpClient.With<MontaHttpClientError>,
    never,
    MontaAuth | MontaRateLimiter | HttpClient.HttpClient
  > {
    return internal.make(options)
  }
  /**
   * C3: one client for every credential of the `MontaCredentials` in context. Each request goes
   * with the credential named by `withCredential`, else with the least-privileged credential
   * granting the endpoint's required scope (the provider's table: a read with the read-only
   * credential, a write with one that may write), else, for an endpoint outside the table, with
   * `defaultCredential` or the first declared. `InsufficientScope` before sending when no
   * credential may make the request. Each credential has its own budget (here in memory), H7
   * check and retries; `options` apply to all.
   *
   * @since 0.1.0
   * @category layers
   */
  static layerCredentials(
    options?: CredentialsClientOptions | undefined
  ): Layer.Layer<MontaHttpClient, never, MontaCredentials | HttpClient.HttpClient> {
    return MontaHttpClient.layerCredentialsWithStore(options).pipe(Layer.provide(MontaRateLimiterStore.layerMemory))
  }

  /**
   * `layerCredentials` on the `MontaRateLimiterStore` its type requires (Redis for a fleet, C4:
   * one budget per client id across the fleet).
   *
   * @since 0.1.0
   * @category layers
   */
  static layerCredentialsWithStore(
    options?: CredentialsClientOptions | undefined
  ): Layer.Layer<MontaHttpClient, never, MontaCredentials | MontaRateLimiterStore | HttpClient.HttpClient> {
    return Layer.scoped(MontaHttpClient, internalCredentials.make(options))
  }

  /**
   * Names the credential for the requests of `effect` (one request, or a region of code) under
   * `layerCredentials`: `client.get(path).pipe(MontaHttpClient.withCredential("writer"))`. An
   * unknown name fails those requests with `UnknownCredential`.
   *
   * @since 0.1.0
   * @category combinators
   */
  static withCredential(name: string): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> {
    return Effect.locally(internalCredentials.currentCredential, name)
  }

  /**
   * Every item of a paged list endpoint (H6), fetched page by page as the stream is pulled, from
   * page 0 until the last page.
   *
   * @example
   * ```ts
   * import { MontaHttpClient } from "@monta-auth/core"
   * import { Schema, Stream } from "effect"
   *
   * const ChargePoint = Schema.Struct({ id: Schema.Number, name: Schema.String })
   * const all = MontaHttpClient.paginate("/charge-points", ChargePoint, { perPage: 50 }).pipe(Stream.runCollect)
   * ```
   */
  static paginate<A, I, R>(
    path: string,
    item: Schema.Schema<A, I, R>,
    options?: PaginateOptions | undefined
  ): Stream.Stream<A, MontaHttpClientError | ParseResult.ParseError, MontaHttpClient | R> {
    return Stream.unwrap(Effect.map(MontaHttpClient, (client) => internalPaging.items(client, path, item, options)))
  }
  /**
   * `paginate` on a client in hand (a service that holds its `MontaHttpClient` needs nothing in
   * context).
   */
  static paginateWith<A, I, R>(
    client: HttpClient.HttpClient.With<MontaHttpClientError>,
    path: string,
    item: Schema.Schema<A, I, R>,
    options?: PaginateOptions | undefined
  ): Stream.Stream<A, MontaHttpClientError | ParseResult.ParseError, R> {
    return internalPaging.items(client, path, item, options)
  }
  /** The offset pages of a paged list endpoint, with their `meta`, from page 0 until the last page. */
  static pages<A, I, R>(
    path: string,
    item: Schema.Schema<A, I, R>,
    options?: PaginateOptions | undefined
  ): Stream.Stream<Page<A>, MontaHttpClientError | ParseResult.ParseError, MontaHttpClient | R> {
    return Stream.unwrap(
      Effect.map(MontaHttpClient, (client) => internalPaging.offsetPages(client, path, item, options))
    )
  }
  /** The cursor pages of a list endpoint that pages by cursor (`after`, `meta.after`), until the last. */
  static cursorPages<A, I, R>(
    path: string,
    item: Schema.Schema<A, I, R>,
    options?: PaginateOptions | undefined
  ): Stream.Stream<CursorPage<A>, MontaHttpClientError | ParseResult.ParseError, MontaHttpClient | R> {
    return Stream.unwrap(
      Effect.map(MontaHttpClient, (client) => internalPaging.cursorPages(client, path, item, options))
    )
  }
}
