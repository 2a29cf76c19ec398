/**
 * Monta's webhook deliveries, verified (SPEC section 13). Each delivery is a `WebhookBatch`
 * signed with the consumer's webhook secret: `X-Monta-Signature: sha1=<hex HMAC-SHA1 of the
 * body>`. `verify` checks one delivery; `handler` is an `@effect/platform` `HttpApp` that does the
 * whole job of an endpoint: size cap, signature, decoding, replay check and once-only hand-over.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServer from "@effect/platform/HttpServer"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Dedupe from "./internal/dedupe.js"
import * as Handler from "./internal/handler.js"
import * as Signature from "./internal/signature.js"
import * as Verify from "./internal/verify.js"
import type { InvalidWebhook } from "./InvalidWebhook.js"
import type { WebhookBatch } from "./WebhookBatch.js"
import type { WebhookDedupeService } from "./WebhookDedupe.js"

/**
 * What `MontaWebhook.verify` checks.
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifyOptions {
  /** The consumer's webhook secret (any length here; `MontaWebhook.secretConfig` enforces 16-191). */
  readonly secret: Redacted.Redacted<string>
  /** The body exactly as received: its bytes are what Monta signed. */
  readonly body: string | Uint8Array
  /** The `X-Monta-Signature` header's value; `undefined` when the header is absent. */
  readonly signature: string | undefined
  /** How far the batch `timestamp` may be from the `Clock`, either way. Default 5 minutes. */
  readonly tolerance?: Duration.DurationInput | undefined
}

/**
 * Options of `MontaWebhook.handler`.
 *
 * @since 0.1.0
 * @category models
 */
export interface HandlerOptions {
  /** The consumer's webhook secret. */
  readonly secret: Redacted.Redacted<string>
  /** How far the batch `timestamp` may be from the `Clock`, either way. Default 5 minutes. */
  readonly tolerance?: Duration.DurationInput | undefined
  /** The size cap of a delivery in bytes: a longer body is answered 413. Default 1 MiB (1 048 576). */
  readonly maxBodyBytes?: number | undefined
  /**
   * Where handed-over entries are remembered: `RedisWebhookDedupe` for a fleet, your own
   * `WebhookDedupeService`, or `false` to hand every verified batch over whole. Default: a memory
   * store of this handler, bounded to the tolerance window.
   */
  readonly dedupe?: WebhookDedupeService | false | undefined
}

/**
 * Options of `MontaWebhook.layerConfig`: those of `handler` with the secret from the environment.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerConfigOptions extends Omit<HandlerOptions, "secret"> {
  /** The secret's config. Default `MontaWebhook.secretConfig()` (`MONTA_WEBHOOK_SECRET`). */
  readonly secret?: Config.Config<Redacted.Redacted<string>> | undefined
}

const secretLength = (secret: Redacted.Redacted<string>) => {
  const length = [...Redacted.value(secret)].length
  return length >= 16 && length <= 191
}

/**
 * Signing, verification and the HTTP handler of Monta's webhook deliveries.
 *
 * @example
 * ```ts
 * import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
 * import { MontaWebhook } from "@monta-auth/webhooks"
 * import { Effect, Layer } from "effect"
 * import { createServer } from "node:http"
 *
 * const WebhookServer = MontaWebhook.layerConfig({}, (batch) =>
 *   Effect.forEach(batch.entries, (entry) => Effect.log(`${entry.entityType} ${entry.entityId} ${entry.eventType}`))
 * ).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 8080 })))
 *
 * NodeRuntime.runMain(Layer.launch(WebhookServer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export class MontaWebhook {
  private constructor() {}

  /** The request header carrying the signature, lower-case as `@effect/platform` gives headers. */
  static readonly signatureHeader: string = Signature.signatureHeader

  /** The default replay tolerance: 5 minutes either way. */
  static readonly defaultTolerance: Duration.Duration = Verify.defaultTolerance

  /** The default size cap of `handler`: 1 MiB. */
  static readonly defaultMaxBodyBytes: number = Handler.defaultMaxBodyBytes

  /**
   * Adds `x-monta-signature` to the header names `@effect/platform` redacts in its `http.server`
   * spans. A signature is no secret (it fits one body only), but a trace has no use for it. Apply
   * it where the server is built: `Layer.locallyWith(serverLayer, Headers.currentRedactedNames,
   * MontaWebhook.redactSignature)`, as `layerConfig` does.
   */
  static redactSignature(names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> {
    return [...names, Signature.signatureHeader]
  }

  /**
   * `"sha1=" + lower-case hex` of the HMAC-SHA1 of `body` keyed with the secret's UTF-8 bytes: the
   * value Monta sends in `X-Monta-Signature`. For tests and tools (MontaFake signs the same way).
   */
  static sign(secret: Redacted.Redacted<string>, body: string | Uint8Array): string {
    return Signature.sign(secret, body)
  }

  /**
   * Verifies one delivery: the signature over the raw bytes in constant time (`MissingSignature`,
   * `BadSignature`), then the body as a `WebhookBatch` (`Malformed`), then its `timestamp` against
   * the Effect `Clock` (`Stale`). It does not dedupe: `handler` does.
   */
  static verify(options: VerifyOptions): Effect.Effect<WebhookBatch, InvalidWebhook> {
    return Verify.verify({
      secret: options.secret,
      body: options.body,
      signature: options.signature,
      tolerance: Duration.decode(options.tolerance ?? Verify.defaultTolerance)
    }).pipe(Effect.map(({ batch }) => batch), Effect.withSpan("MontaWebhook.verify"))
  }

  /**
   * An `HttpApp` serving Monta's deliveries. It reads the body once (never past `maxBodyBytes`),
   * and answers, with an empty body: 401 for a missing, bad or stale signature, 400 for a body
   * that is not a batch, 413 over the cap, 405 for a method other than POST; then hands the
   * entries not handed over before to `onBatch` and answers 200 once it succeeded, 500 when it
   * failed (Monta delivers again, and the entries are handed over again), 503 when the dedupe
   * store failed. A redelivery whose entries were all handed over is answered 200 without calling
   * `onBatch`. It needs nothing from the context but the request (and what `onBatch` needs), so
   * `HttpApp.toWebHandler(MontaWebhook.handler(...))` works as it is.
   */
  static handler<E, R>(
    options: HandlerOptions,
    onBatch: (batch: WebhookBatch) => Effect.Effect<unknown, E, R>
  ): HttpApp.Default<never, R> {
    return Handler.make({
      secret: options.secret,
      tolerance: Duration.decode(options.tolerance ?? Verify.defaultTolerance),
      maxBodyBytes: options.maxBodyBytes ?? Handler.defaultMaxBodyBytes,
      dedupe: options.dedupe === false ? undefined : options.dedupe ?? Dedupe.makeMemory()
    }, onBatch)
  }

  /**
   * The webhook secret from the environment (`MONTA_WEBHOOK_SECRET` unless named otherwise), as a
   * `Redacted` from the start, and 16 to 191 characters as Monta requires: otherwise a `ConfigError`
   * naming the variable, never showing the value.
   */
  static secretConfig(name: string = "MONTA_WEBHOOK_SECRET"): Config.Config<Redacted.Redacted<string>> {
    return Config.mapOrFail(Config.redacted(name), (secret) =>
      secretLength(secret)
        ? Either.right(secret)
        : Either.left(ConfigError.InvalidData([name], "a Monta webhook secret must be 16 to 191 characters")))
  }

  /**
   * `handler` with its secret read from the config (`secretConfig()` by default), as an Effect.
   */
  static handlerConfig<E, R>(
    options: LayerConfigOptions,
    onBatch: (batch: WebhookBatch) => Effect.Effect<unknown, E, R>
  ): Effect.Effect<HttpApp.Default<never, R>, ConfigError.ConfigError> {
    return Effect.map(
      options.secret ?? MontaWebhook.secretConfig(),
      (secret) => MontaWebhook.handler({ ...options, secret }, onBatch)
    )
  }

  /**
   * Serves `handler` on the program's `HttpServer` (every path), its secret read from the config
   * (`MONTA_WEBHOOK_SECRET` by default). The server's `http.server` spans show the
   * `X-Monta-Signature` header redacted (see `redactSignature`).
   */
  static layerConfig<E, R>(
    options: LayerConfigOptions,
    onBatch: (batch: WebhookBatch) => Effect.Effect<unknown, E, R>
  ): Layer.Layer<never, ConfigError.ConfigError, HttpServer.HttpServer | R> {
    return Layer.unwrapEffect(Effect.map(MontaWebhook.handlerConfig(options, onBatch), (app) => HttpServer.serve(app)))
      .pipe(Layer.locallyWith(Headers.currentRedactedNames, MontaWebhook.redactSignature))
  }
}
