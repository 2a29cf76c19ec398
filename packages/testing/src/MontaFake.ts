/**
 * `MontaFake`: a fake Monta Partner API whose time is the Effect `Clock`, so `TestClock.adjust`
 * expires its tokens. It serves the auth endpoints, the consumer (`/consumers/me`, and the
 * deprecated `/auth/me` that can be switched to gone), charge points and wallet transactions shaped
 * as the provider's schemas, with the endpoint table's scopes and teams enforced, offset and cursor
 * paging, fixed-window rate limiting, fault injection, a journal of requests, and signed webhook
 * deliveries on the `Clock`.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { ConsumerInput } from "./ConsumerInput.js"
import type { FaultSpec } from "./Fault.js"
import * as internalClient from "./internal/client.js"
import * as internal from "./internal/fake.js"
import * as internalServer from "./internal/server.js"
import * as internalState from "./internal/state.js"
import * as internalTestAuth from "./internal/testAuth.js"
import type { Counters, IssuedTokens, JournalEntry, WebhookConfig, WebhookDelivery, WebhookEvent } from "./Journal.js"
import type { LayerTestAuth } from "./TestAuth.js"

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
  /**
   * `GET /auth/me`, deprecated by the provider (sunset 2024-04-01): `"available"` (the default)
   * answers like `/consumers/me`; `"gone"` answers 404 `RESOURCE_NOT_FOUND` whatever the token,
   * to rehearse the sunset. `setAuthMe` switches it later.
   */
  readonly authMe?: "available" | "gone" | undefined
  /** Webhooks configured from the start (one per consumer); `setWebhook` adds or changes them later. */
  readonly webhook?: WebhookConfig | ReadonlyArray<WebhookConfig> | undefined
  /**
   * When the fake delivers: a batch is sent `batchInterval` (default 2 s) after its first entry,
   * with at most `maxBatchSize` entries (default 100; `pending` counts the rest), and sent again
   * every `retryInterval` (default 60 s) until answered 2xx, for up to `retryFor` (default 24 h).
   */
  readonly webhookTiming?: {
    readonly batchInterval?: Duration.DurationInput | undefined
    readonly retryInterval?: Duration.DurationInput | undefined
    readonly retryFor?: Duration.DurationInput | undefined
    readonly maxBatchSize?: number | undefined
  } | undefined
}

/**
 * The fake's state and controls. Every control takes effect for the next request.
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
  /** Switches `GET /auth/me` between answering and `"gone"` (404). */
  readonly setAuthMe: (mode: "available" | "gone") => Effect.Effect<void>
  /** Sets (or replaces) a consumer's webhook: the URL and event types it is delivered. */
  readonly setWebhook: (config: WebhookConfig) => Effect.Effect<void>
  /** Removes a consumer's webhook (default the first consumer's); entries already batched are still sent. */
  readonly removeWebhook: (clientId?: string | undefined) => Effect.Effect<void>
  /** Queues an entry for the next batch, as if something had happened at the provider. */
  readonly emitWebhook: (event: WebhookEvent) => Effect.Effect<void>
  /** The secret a consumer's deliveries are signed with; `NoSuchElementException` for an unknown one. */
  readonly webhookSecret: (clientId: string) => Effect.Effect<Redacted.Redacted<string>, Cause.NoSuchElementException>
  /** Every batch the fake has made, oldest first, with its attempts. */
  readonly webhookDeliveries: Effect.Effect<ReadonlyArray<WebhookDelivery>>
}

/**
 * The `HttpClient` MontaFake delivers webhooks with (SPEC section 7, W5). `MontaFake.layer`,
 * `layerTest` and `layerServer` provide `MontaFakeWebhookClient.layerFetch` (the platform's
 * `fetch` client: real sockets, so a test's handler can listen on localhost);
 * `MontaFake.layerTestWithoutWebhookClient` leaves it to the test, e.g. a client that records
 * the requests and answers what the test says, to drive batching and retries on the `TestClock`.
 *
 * @example
 * ```ts
 * import { HttpClient, HttpClientResponse } from "@effect/platform"
 * import { MontaFake, MontaFakeWebhookClient } from "@monta-auth/testing"
 * import { Effect, Layer } from "effect"
 *
 * const refusing = HttpClient.make((request) =>
 *   Effect.succeed(HttpClientResponse.fromWeb(request, new Response(null, { status: 503 })))
 * )
 * const layer = MontaFake.layerTestWithoutWebhookClient({ webhook: { url: "https://hooks.example/monta" } }).pipe(
 *   Layer.provide(MontaFakeWebhookClient.layer(refusing))
 * )
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class MontaFakeWebhookClient extends Context.Tag("@monta-auth/testing/MontaFakeWebhookClient")<
  MontaFakeWebhookClient,
  HttpClient.HttpClient
>() {
  /**
   * Deliveries through the platform's `fetch` (`FetchHttpClient`).
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerFetch: Layer.Layer<MontaFakeWebhookClient> = Layer.effect(
    MontaFakeWebhookClient,
    HttpClient.HttpClient
  ).pipe(Layer.provide(FetchHttpClient.layer))

  /**
   * Deliveries through the given client.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layer = (client: HttpClient.HttpClient): Layer.Layer<MontaFakeWebhookClient> =>
    Layer.succeed(MontaFakeWebhookClient, client)
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
   * The fake (state and app) only, base URL `http://monta.fake/api/v1`, with its webhook delivery
   * fiber (through `MontaFakeWebhookClient.layerFetch`).
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layer: (options?: MontaFakeOptions) => Layer.Layer<MontaFake> = (options) =>
    Layer.scoped(MontaFake, internal.makeScoped(MontaFakeWebhookClient, options)).pipe(
      Layer.provide(MontaFakeWebhookClient.layerFetch)
    )

  /**
   * The fake plus an `HttpClient` that runs its app in memory, in the caller's fiber: no sockets,
   * and the caller's `Clock` (a `TestClock` in tests) is the fake's clock. Webhooks are delivered
   * (on that clock) through `MontaFakeWebhookClient.layerFetch`.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerTest: (
    options?: MontaFakeOptions
  ) => Layer.Layer<MontaFake | HttpClient.HttpClient> = (options) =>
    internalClient.layerTest(MontaFake, MontaFakeWebhookClient, options).pipe(
      Layer.provide(MontaFakeWebhookClient.layerFetch)
    )

  /**
   * Core's `MontaAuth` and `MontaHttpClient` on `layerTest` in one line, `layerTestAuth({ MontaAuth,
   * MontaHttpClient })`: the demo consumer unless `clientId` says otherwise; `auth`, `client` options.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerTestAuth: LayerTestAuth = (core, options) =>
    internalTestAuth.layerTestAuth(MontaFake.layerTest(options?.fake), core, options)

  /**
   * `layerTest` delivering webhooks through the `MontaFakeWebhookClient` the caller provides.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerTestWithoutWebhookClient: (
    options?: MontaFakeOptions
  ) => Layer.Layer<MontaFake | HttpClient.HttpClient, never, MontaFakeWebhookClient> = (options) =>
    internalClient.layerTest(MontaFake, MontaFakeWebhookClient, options)

  /**
   * The fake served on `127.0.0.1` (port 0, the default, picks a free one) with
   * `@effect/platform-node`, real sockets and real time, plus a Node `HttpClient`. With
   * `webhook: { url }` (what `monta-auth fake-server --webhook-url URL` needs) it delivers signed
   * batches to `url` through `MontaFakeWebhookClient.layerFetch`.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerServer: (
    options?: MontaFakeOptions & { readonly port?: number | undefined }
  ) => Layer.Layer<MontaFake | HttpClient.HttpClient, HttpServerError.ServeError> = (options) =>
    internalServer.layerServer(MontaFake, MontaFakeWebhookClient, options).pipe(
      Layer.provide(MontaFakeWebhookClient.layerFetch)
    )
}

export type { ConsumerInput } from "./ConsumerInput.js"
export { Fault, type FaultSpec } from "./Fault.js"
export type {
  Counters,
  IssuedTokens,
  JournalEntry,
  WebhookAttempt,
  WebhookConfig,
  WebhookDelivery,
  WebhookEvent,
  WebhookEventType
} from "./Journal.js"
