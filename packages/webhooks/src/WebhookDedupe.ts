/**
 * Replay protection past the signature (W3): each webhook entry is handed over once within the
 * tolerance window. The handler keys entries by a SHA-256 digest of their canonical JSON, never by
 * their content, and asks a `WebhookDedupe` which digests are new. The memory one (the handler's
 * default) serves one process; `RedisWebhookDedupe` in `@monta-auth/redis` serves a fleet.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as internal from "./internal/dedupe.js"

/**
 * A dedupe store could not answer (Redis down, say). The handler then answers 503, so Monta
 * delivers again later, and nothing is handed over twice or lost.
 *
 * @since 0.1.0
 * @category errors
 */
export class WebhookDedupeError extends Schema.TaggedError<WebhookDedupeError>(
  "@monta-auth/webhooks/WebhookDedupeError"
)("WebhookDedupeError", {
  operation: Schema.Literal("claim", "release"),
  detail: Schema.String
}) {
  override get message(): string {
    return `Webhook dedupe store failed to ${this.operation}: ${this.detail}`
  }
}

/**
 * What a dedupe store does. Digests are opaque hex strings (SHA-256 of an entry's canonical JSON).
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookDedupeService {
  /**
   * Claims each digest for `ttl`, atomically per digest: `true` where it was not claimed (the
   * entry is handed over), `false` where it already was (a redelivery). One answer per digest, in
   * order; a digest twice in one call is claimed by its first occurrence.
   */
  readonly claim: (
    digests: ReadonlyArray<string>,
    ttl: Duration.Duration
  ) => Effect.Effect<ReadonlyArray<boolean>, WebhookDedupeError>
  /** Gives claims back: the entries were not handled (`onBatch` failed), so Monta's retry hands them over. */
  readonly release: (digests: ReadonlyArray<string>) => Effect.Effect<void, WebhookDedupeError>
}

/**
 * The dedupe store as a service, for programs that build it in a layer (`RedisWebhookDedupe.layer`)
 * and pass it to `MontaWebhook.handler({ dedupe })`.
 *
 * @example
 * ```ts
 * import { MontaWebhook, WebhookDedupe } from "@monta-auth/webhooks"
 * import { Effect, Redacted } from "effect"
 *
 * const app = Effect.map(WebhookDedupe, (dedupe) =>
 *   MontaWebhook.handler({ secret: Redacted.make("a-secret-of-16-chars+"), dedupe }, (batch) =>
 *     Effect.log(`${batch.entries.length} entries`)))
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class WebhookDedupe extends Context.Tag("@monta-auth/webhooks/WebhookDedupe")<
  WebhookDedupe,
  WebhookDedupeService
>() {
  /**
   * A new in-memory store for one process: a claim lives for its `ttl` on the Effect `Clock`, and
   * expired claims are dropped as new ones come, so memory stays bounded by the tolerance window.
   */
  static readonly makeMemory: Effect.Effect<WebhookDedupeService> = Effect.sync(internal.makeMemory)

  /** A layer of one in-memory store. */
  static readonly layerMemory: Layer.Layer<WebhookDedupe> = Layer.sync(WebhookDedupe, internal.makeMemory)

  /** The digest the handler keys an entry by: SHA-256 (hex) of the entry's JSON with sorted keys. */
  static digest(entry: unknown): string {
    return internal.digestOf(entry)
  }
}
