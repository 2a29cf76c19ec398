/**
 * Fleet-wide replay protection for `@monta-auth/webhooks` (W3): `MontaWebhook.handler` hands each
 * entry over once across every instance sharing one Redis. An entry is claimed with
 * `SET <prefix>webhook:<digest> 1 NX PX <ttl>`: the first instance to set the key hands it over;
 * the others answer Monta's redelivery without handing it again. Keys hold the entry's SHA-256
 * digest, never its content, and expire with the tolerance window.
 *
 * @since 0.1.0
 */
import type { WebhookDedupeService } from "@monta-auth/webhooks"
import { WebhookDedupe, WebhookDedupeError } from "@monta-auth/webhooks"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { makeClient } from "./internal/connection.js"

/**
 * Options of the Redis webhook dedupe.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisWebhookDedupeOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...`. Default `redis://127.0.0.1:6379`. */
  readonly url?: string | undefined
  /** Prefix of every key written. Default `monta-auth:`. */
  readonly keyPrefix?: string | undefined
  /** Longest wait for one Redis command. Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** Longest wait for the first connection while the store is built. Default 2 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /**
   * What a claim does while Redis is unavailable. `"memory"` (default): this instance dedupes in
   * its own memory until Redis is back (logged once per outage, like the rest of fleet mode), so
   * deliveries keep being accepted; a redelivery to another instance in that time may be handed
   * over twice. `"fail"`: the claim fails, the handler answers 503 and Monta delivers again later.
   */
  readonly onUnavailable?: "memory" | "fail" | undefined
}

const keyFor = (prefix: string, digest: string) => `${prefix}webhook:${digest}`

const make = (options: RedisWebhookDedupeOptions): Effect.Effect<WebhookDedupeService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = options.keyPrefix ?? "monta-auth:"
    const { redis, run } = yield* makeClient(
      {
        url: options.url ?? "redis://127.0.0.1:6379",
        commandTimeout: Duration.decode(options.commandTimeout ?? "1 second"),
        connectTimeout: Duration.decode(options.connectTimeout ?? "2 seconds")
      },
      { kind: "commands", name: "webhook dedupe" },
      (operation, detail) => new WebhookDedupeError({ operation: operation === "claim" ? "claim" : "release", detail })
    )
    const local = yield* WebhookDedupe.makeMemory
    const fallBack = options.onUnavailable !== "fail"

    const claimOnRedis = (digests: ReadonlyArray<string>, ttl: Duration.Duration) =>
      run("claim", async () => {
        const pipeline = redis.pipeline()
        const px = Math.max(1, Math.ceil(Duration.toMillis(ttl)))
        for (const digest of digests) pipeline.set(keyFor(prefix, digest), "1", "PX", px, "NX")
        const results = (await pipeline.exec()) ?? []
        return digests.map((_, i) => {
          const [error, reply] = results[i] ?? [new Error("no reply"), null]
          if (error) throw error
          return reply === "OK"
        })
      })

    const releaseOnRedis = (digests: ReadonlyArray<string>) =>
      run("release", () => redis.del(...digests.map((digest) => keyFor(prefix, digest)))).pipe(Effect.asVoid)

    return {
      claim: (digests, ttl) => {
        if (digests.length === 0) return Effect.succeed([])
        const claimed = claimOnRedis(digests, ttl)
        return fallBack ? Effect.catchAll(claimed, () => local.claim(digests, ttl)) : claimed
      },
      release: (digests) => {
        if (digests.length === 0) return Effect.void
        // Claims taken in memory during an outage are given back there too.
        const released = Effect.zipRight(local.release(digests), releaseOnRedis(digests))
        return fallBack ? Effect.catchAll(released, () => Effect.void) : released
      }
    } satisfies WebhookDedupeService
  })

/**
 * Constructors of the Redis `WebhookDedupe`: pass the store to `MontaWebhook.handler({ dedupe })`,
 * or provide the `WebhookDedupe` layer and read it from the context.
 *
 * @example
 * ```ts
 * import { RedisWebhookDedupe } from "@monta-auth/redis"
 * import { MontaWebhook } from "@monta-auth/webhooks"
 * import { Effect, Redacted } from "effect"
 *
 * const app = Effect.map(RedisWebhookDedupe.make({ url: "redis://redis:6379" }), (dedupe) =>
 *   MontaWebhook.handler({ secret: Redacted.make(process.env.MONTA_WEBHOOK_SECRET!), dedupe }, (batch) =>
 *     Effect.log(`${batch.entries.length} new entries`)))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export class RedisWebhookDedupe {
  private constructor() {}

  /** Builds the store in a scope: one Redis connection, closed with the scope. */
  static make(options: RedisWebhookDedupeOptions = {}): Effect.Effect<WebhookDedupeService, never, Scope.Scope> {
    return make(options)
  }

  /** A layer providing `WebhookDedupe` on Redis. */
  static layer(options: RedisWebhookDedupeOptions = {}): Layer.Layer<WebhookDedupe> {
    return Layer.scoped(WebhookDedupe, make(options))
  }

  /** A layer reading `REDIS_URL` from the `ConfigProvider`. */
  static layerConfig(
    options: Omit<RedisWebhookDedupeOptions, "url"> = {}
  ): Layer.Layer<WebhookDedupe, ConfigError.ConfigError> {
    return Layer.scoped(WebhookDedupe, Effect.flatMap(Config.string("REDIS_URL"), (url) => make({ ...options, url })))
  }

  /** The key claiming an entry's digest (`WebhookDedupe.digest(entry)`). */
  static key(digest: string, keyPrefix: string = "monta-auth:"): string {
    return keyFor(keyPrefix, digest)
  }
}
