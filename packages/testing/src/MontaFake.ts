/**
 * `MontaFake`: a fake Monta Partner API whose time is the Effect `Clock`, so `TestClock.adjust`
 * expires its tokens. It serves the auth endpoints, a few resources to show scopes and teams,
 * fixed-window rate limiting, fault injection and a journal of requests.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type { Scope } from "@monta-auth/schema"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internalClient from "./internal/client.js"
import * as internal from "./internal/fake.js"
import * as internalServer from "./internal/server.js"
import * as internalState from "./internal/state.js"

/**
 * A credential the fake knows: what `POST /auth/token` accepts and what `GET /auth/me` reports.
 * Omitted fields default to the demo consumer's values (operator 42, no team restriction,
 * `all:delete`, 1000 requests per 600 s). `/auth/me` sends `scopes` as given, so a test may add
 * (with a cast) a scope a later API could send (`"charge-points:admin"`): it grants nothing here.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConsumerInput {
  readonly clientId: string
  readonly clientSecret: string
  readonly name?: string | undefined
  readonly operatorId?: number | undefined
  readonly teamIds?: ReadonlyArray<number> | undefined
  readonly scopes?: ReadonlyArray<Scope> | undefined
  readonly rateLimit?: number | undefined
  readonly rateLimitIntervalInSeconds?: number | undefined
}

/**
 * What the fake does to a request instead of (or before) answering it normally.
 *
 * - `Status`: answer with this status and a JSON error body (or `body`), with optional
 *   `Retry-After` and `RateLimit-ResetsIn` headers (seconds).
 * - `MalformedBody`: 200 with a body that is not JSON.
 * - `EmptyBody`: 200 with an empty body.
 * - `Delay`: wait `duration` on the fake's `Clock`, then answer normally.
 * - `Drop`: drop the connection (in memory the client sees a `RequestError` with reason
 *   `"Transport"`; on the socket server the socket is destroyed).
 * - `ExpiredToken`: answer normally, but a token endpoint issues an access token that is already
 *   expired (its expiration date is the server's now).
 * - `WrongShape`: 200 with JSON that lacks the fields the endpoint normally sends.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = Data.TaggedEnum<{
  Status: {
    readonly status: number
    readonly retryAfter?: number | undefined
    readonly rateLimitResetsIn?: number | undefined
    readonly body?: unknown
  }
  MalformedBody: {}
  EmptyBody: {}
  Delay: { readonly duration: Duration.DurationInput }
  Drop: {}
  ExpiredToken: {}
  WrongShape: {}
}>

/**
 * Constructors and matchers of `Fault`: `Fault.Status({ status: 503, retryAfter: 2 })`,
 * `Fault.Drop()`, `Fault.$is("Drop")`, ...
 *
 * @since 0.1.0
 * @category constructors
 */
export const Fault = Data.taggedEnum<Fault>()

/**
 * A fault for the next `times` (default 1) requests to `path`, a path under `/api/v1` such as
 * `"/auth/token"` or `"/charge-points"` (the query string is ignored; `"*"` matches every path).
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultSpec {
  readonly path: string
  readonly times?: number | undefined
  readonly fault: Fault
}

/**
 * One request the fake answered: `path` is relative to `/api/v1` without the query, `at` is the
 * epoch milliseconds of the caller's `Clock` (without the server clock offset) when it arrived,
 * `status` is 0 for a dropped connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface JournalEntry {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly at: number
  readonly clientId?: string | undefined
  readonly fault?: Fault["_tag"] | undefined
}

/**
 * Request counters since the start or the last `resetJournal`.
 *
 * - `tokenRequests`, `refreshRequests`, `meRequests`: requests to each auth endpoint, whatever
 *   their outcome (faulted ones included).
 * - `rejectedRefreshes`: 401 answers of `/auth/refresh`; `rejectedCredentials`: 401 answers of
 *   `/auth/token`; `rejectedTokens`: 401 answers of bearer endpoints (including `/auth/me`).
 * - `status429`: 429 answers (rate limited or injected); `dropped`: dropped connections;
 *   `faults`: requests that met an injected fault; `byStatus`: answers per status.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  readonly requests: number
  readonly tokenRequests: number
  readonly refreshRequests: number
  readonly meRequests: number
  readonly rejectedRefreshes: number
  readonly rejectedCredentials: number
  readonly rejectedTokens: number
  readonly status429: number
  readonly dropped: number
  readonly faults: number
  readonly byStatus: Readonly<Record<number, number>>
}

/**
 * A token pair the fake issued, with its expiry instants in epoch milliseconds of the server's
 * clock (offset included).
 *
 * @since 0.1.0
 * @category models
 */
export interface IssuedTokens {
  readonly accessToken: string
  readonly refreshToken: string
  readonly accessExpiresAt: number
  readonly refreshExpiresAt: number
}

/**
 * How to build a fake: its consumers (default: `MontaFake.demoConsumer` and
 * `MontaFake.teamConsumer`), token lifetimes (default 1 hour and 24 hours) and how many charge
 * points and wallet transactions to seed (default 250 and 300, across teams 1 and 2). The journal
 * keeps the last `journalLimit` entries (default 10 000) so long simulations stay small; the
 * counters always count everything.
 *
 * @since 0.1.0
 * @category models
 */
export interface MontaFakeOptions {
  readonly consumers?: ReadonlyArray<ConsumerInput> | undefined
  readonly accessTokenLifetime?: Duration.DurationInput | undefined
  readonly refreshTokenLifetime?: Duration.DurationInput | undefined
  readonly journalLimit?: number | undefined
  readonly seed?: {
    readonly chargePoints?: number | undefined
    readonly walletTransactions?: number | undefined
  } | undefined
}

/**
 * The fake's state and controls. Every control takes effect for the next request.
 *
 * @since 0.1.0
 * @category models
 */
export interface MontaFakeService {
  /** `http://monta.fake/api/v1` in memory, `http://127.0.0.1:<port>/api/v1` when served. */
  readonly baseUrl: string
  /** The fake as an `HttpApp`, routes under `/api/v1`. */
  readonly app: HttpApp.Default<never, never>
  /** Adds (or replaces) a consumer. */
  readonly addConsumer: (consumer: ConsumerInput) => Effect.Effect<void>
  /** Revokes a consumer: `/auth/token` answers 401 and every token it holds stops working. */
  readonly revokeConsumer: (clientId: string) => Effect.Effect<void>
  /** Lets a revoked consumer get tokens again (tokens revoked with it stay dead). */
  readonly restoreConsumer: (clientId: string) => Effect.Effect<void>
  /** Revokes one access token: bearer requests with it answer 401. */
  readonly revokeAccessToken: (token: string) => Effect.Effect<void>
  /** Revokes one refresh token: `/auth/refresh` with it answers 401. */
  readonly revokeRefreshToken: (token: string) => Effect.Effect<void>
  /** Queues a fault for the next requests to a path. */
  readonly injectFault: (fault: FaultSpec) => Effect.Effect<void>
  /** Drops every queued fault. */
  readonly clearFaults: Effect.Effect<void>
  /** Sets the server clock ahead (positive) or behind (negative) the `Clock`. */
  readonly setClockOffset: (offset: Duration.DurationInput) => Effect.Effect<void>
  /** Sets the lifetimes of tokens issued from now on. */
  readonly setTokenLifetimes: (
    lifetimes: {
      readonly access?: Duration.DurationInput | undefined
      readonly refresh?: Duration.DurationInput | undefined
    }
  ) => Effect.Effect<void>
  /** Every request answered so far, oldest first. */
  readonly journal: Effect.Effect<ReadonlyArray<JournalEntry>>
  /** The counters of the requests answered so far. */
  readonly counters: Effect.Effect<Counters>
  /** The pairs issued to a consumer that may still be in use, oldest first. */
  readonly tokensOf: (clientId: string) => Effect.Effect<ReadonlyArray<IssuedTokens>>
  /** Empties the journal and zeroes the counters. */
  readonly resetJournal: Effect.Effect<void>
}

/**
 * The fake Monta Partner API. `MontaFake.layerTest()` gives it with an in-memory `HttpClient`
 * that shares the test's `TestClock`; `MontaFake.layerServer()` serves it on localhost.
 *
 * @example
 * ```ts
 * import { MontaFake } from "@monta-auth/testing"
 * import { HttpClient } from "@effect/platform"
 * import { Effect, TestClock } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const fake = yield* MontaFake
 *   const client = yield* HttpClient.HttpClient
 *   yield* client.get(`${fake.baseUrl}/charge-points`)
 *   yield* TestClock.adjust("1 hour")
 * }).pipe(Effect.provide(MontaFake.layerTest()))
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class MontaFake extends Context.Tag("@monta-auth/testing/MontaFake")<MontaFake, MontaFakeService>() {
  /**
   * The demo credential: `demo-client-id` / `demo-client-secret`, `all:delete`, no team
   * restriction, 1000 requests per 600 s.
   *
   * @since 0.1.0
   * @category constructors
   */
  static readonly demoConsumer: ConsumerInput = internalState.demoConsumer

  /**
   * A team-restricted credential: `team-client-id` / `team-client-secret`,
   * `charge-points:read` and `wallet-transactions:read`, team 1 only, 100 requests per 60 s.
   *
   * @since 0.1.0
   * @category constructors
   */
  static readonly teamConsumer: ConsumerInput = internalState.teamConsumer

  /**
   * Builds the fake's state and app, for use with a server of your own.
   *
   * @since 0.1.0
   * @category constructors
   */
  static readonly make: (options?: MontaFakeOptions, baseUrl?: string) => Effect.Effect<MontaFakeService> =
    internal.make

  /**
   * The fake (state and app) only, base URL `http://monta.fake/api/v1`.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layer: (options?: MontaFakeOptions) => Layer.Layer<MontaFake> = (options) =>
    Layer.effect(MontaFake, internal.make(options))

  /**
   * The fake plus an `HttpClient` that runs its app in memory, in the caller's fiber: no sockets,
   * and the caller's `Clock` (a `TestClock` in tests) is the fake's clock.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerTest: (
    options?: MontaFakeOptions
  ) => Layer.Layer<MontaFake | HttpClient.HttpClient> = (options) => internalClient.layerTest(MontaFake, options)

  /**
   * The fake served on `127.0.0.1` (port 0, the default, picks a free one) with
   * `@effect/platform-node`, real sockets and real time, plus a Node `HttpClient`.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerServer: (
    options?: MontaFakeOptions & { readonly port?: number | undefined }
  ) => Layer.Layer<MontaFake | HttpClient.HttpClient, HttpServerError.ServeError> = (options) =>
    internalServer.layerServer(MontaFake, options)
}
