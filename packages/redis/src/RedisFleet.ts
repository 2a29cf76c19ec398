/**
 * Fleet mode in one layer: the Redis token store (F1-F3) and the Redis rate budget (F4) of one
 * instance, for `MontaAuth` and `MontaRateLimiter` to pick up.
 *
 * @since 0.1.0
 */
import type { InvalidOptions, MontaRateLimiterStore, TokenStore } from "@monta-auth/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { RedisRateLimiterStore } from "./RedisRateLimiterStore.js"
import { RedisTokenStore, type RedisTokenStoreOptions } from "./RedisTokenStore.js"

/**
 * Everything one instance of a fleet needs from Redis. Each instance builds it once; instances
 * of one credential share the same `url` and `keyPrefix`.
 *
 * @example
 * ```ts
 * import { MontaAuth, MontaHttpClient, MontaRateLimiter } from "@monta-auth/core"
 * import { RedisFleet } from "@monta-auth/redis"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Layer, Redacted } from "effect"
 *
 * const FleetInstance = MontaHttpClient.layerRateLimiter().pipe(
 *   Layer.provideMerge(MontaRateLimiter.layer()),
 *   Layer.provideMerge(MontaAuth.layerWithStore({ clientId: "my-client", clientSecret: Redacted.make("s3cret") })),
 *   Layer.provide(RedisFleet.layer({ url: "redis://redis:6379", encryptionKey: Redacted.make("...") })),
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export class RedisFleet {
  private constructor() {}

  /** Core's `TokenStore` and `MontaRateLimiterStore`, both on Redis. */
  static layer(options: RedisTokenStoreOptions = {}): Layer.Layer<TokenStore | MontaRateLimiterStore, InvalidOptions> {
    return Layer.merge(
      RedisTokenStore.layer(options),
      RedisRateLimiterStore.layer({
        url: options.url,
        keyPrefix: options.keyPrefix,
        commandTimeout: options.commandTimeout,
        connectTimeout: options.connectTimeout
      })
    )
  }

  /** `layer` with `REDIS_URL` and, optionally, `MONTA_TOKEN_ENCRYPTION_KEY` from the `ConfigProvider`. */
  static layerConfig(
    options: Omit<RedisTokenStoreOptions, "url" | "encryptionKey"> = {}
  ): Layer.Layer<TokenStore | MontaRateLimiterStore, InvalidOptions | ConfigError.ConfigError> {
    return Layer.unwrapEffect(
      Effect.gen(function*() {
        const url = yield* Config.string("REDIS_URL")
        const encryptionKey = yield* Config.option(Config.redacted("MONTA_TOKEN_ENCRYPTION_KEY"))
        return RedisFleet.layer({ ...options, url, encryptionKey: Option.getOrUndefined(encryptionKey) })
      })
    )
  }
}
