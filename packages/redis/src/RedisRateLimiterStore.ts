/**
 * Fleet mode's rate budget (SPEC F4, R4): core's `MontaRateLimiterStore` on Redis. Every instance
 * of a credential counts in one fixed window, updated atomically by a Lua script, so the fleet as
 * a whole never sends more than the budget.
 *
 * @since 0.1.0
 */
import { MontaRateLimiterStore } from "@monta-auth/core"
import type { MontaRateLimiterStoreService } from "@monta-auth/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/rateLimiterStore.js"

/**
 * Options of the Redis rate-limit store.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisRateLimiterStoreOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...`. Default `redis://127.0.0.1:6379`. */
  readonly url?: string | undefined
  /** Prefix of every key written. Default `monta-auth:`. */
  readonly keyPrefix?: string | undefined
  /** Longest wait for one Redis command; the limiter then counts in memory until Redis is back. Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** Longest wait for the first connection while the layer is built. Default 2 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * Constructors of the Redis `MontaRateLimiterStore`. Provide it to `MontaRateLimiter.layer()`;
 * when Redis fails, the limiter logs it and counts in this process's memory until it is back (F5).
 *
 * @example
 * ```ts
 * import { MontaRateLimiter } from "@monta-auth/core"
 * import { RedisRateLimiterStore } from "@monta-auth/redis"
 * import { Layer } from "effect"
 *
 * const LimiterLive = MontaRateLimiter.layer().pipe(
 *   Layer.provide(RedisRateLimiterStore.layer({ url: "redis://redis:6379" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export class RedisRateLimiterStore {
  private constructor() {}

  /** Builds the store in a scope: one Redis connection closed with the scope. */
  static make(
    options: RedisRateLimiterStoreOptions = {}
  ): Effect.Effect<MontaRateLimiterStoreService, never, Scope.Scope> {
    return internal.make(options)
  }

  /** A layer providing core's `MontaRateLimiterStore` on Redis. */
  static layer(options: RedisRateLimiterStoreOptions = {}): Layer.Layer<MontaRateLimiterStore> {
    return Layer.scoped(MontaRateLimiterStore, internal.make(options))
  }

  /** A layer reading `REDIS_URL` from the `ConfigProvider`. */
  static layerConfig(
    options: Omit<RedisRateLimiterStoreOptions, "url"> = {}
  ): Layer.Layer<MontaRateLimiterStore, ConfigError.ConfigError> {
    return Layer.scoped(
      MontaRateLimiterStore,
      Effect.flatMap(Config.string("REDIS_URL"), (url) => internal.make({ ...options, url }))
    )
  }

  /** The hash `{start, end, count}` holding the current window of a budget key (the clientId). */
  static key(budgetKey: string, keyPrefix: string = "monta-auth:"): string {
    return internal.rateKeyFor(keyPrefix, budgetKey)
  }
}
