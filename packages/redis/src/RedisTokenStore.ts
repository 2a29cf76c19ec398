/**
 * Fleet mode's token store (SPEC F1-F3, F5): the pair of a clientId lives in Redis with a version,
 * and only the holder of a refresh lease rotates it, so replicas sharing one credential never
 * burn each other's refresh token.
 *
 * @since 0.1.0
 */
import type { InvalidOptions, TokenStoreService } from "@monta-auth/core"
import { TokenStore } from "@monta-auth/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/tokenStore.js"

/**
 * Options of the Redis token store. Durations are real time (Redis keeps its TTLs on the wall
 * clock), even when the program runs on `TestClock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisTokenStoreOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...`. Default `redis://127.0.0.1:6379`. */
  readonly url?: string | undefined
  /** Prefix of every key and channel written. Default `monta-auth:`. */
  readonly keyPrefix?: string | undefined
  /** Encrypts the pair at rest with AES-256-GCM (key derived by HKDF-SHA256). Required unless `allowPlaintext`. */
  readonly encryptionKey?: Redacted.Redacted<string> | undefined
  /** Store tokens in clear when no `encryptionKey` is given. Default false: the layer fails instead. */
  readonly allowPlaintext?: boolean | undefined
  /** Lifetime of the refresh lease; renewed every third of it while the refresh runs. Default 15 seconds. */
  readonly leaseTtl?: Duration.DurationInput | undefined
  /** How long a non-holder waits for the new version before trying the lease again. Default 15 seconds. */
  readonly waitTimeout?: Duration.DurationInput | undefined
  /** How long a rotation may wait on other instances in all before failing with `TokenStoreError`. Default 60 seconds. */
  readonly maxWait?: Duration.DurationInput | undefined
  /** Polling fallback while waiting, in case a pub/sub message is missed. Default 500 millis. */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** Longest wait for one Redis command; a slower Redis counts as down (F5). Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** Longest wait for the first connection while the layer is built. Default 2 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * The Redis keys and channel used for one clientId with a given prefix.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisTokenStoreKeys {
  /** Hash `{version, encoding, payload}`: the stored pair. */
  readonly token: string
  /** String holding the lease owner's id, with a `PX` TTL. */
  readonly lease: string
  /** Pub/sub channel announcing each new version. */
  readonly channel: string
}

/**
 * Constructors of the Redis `TokenStore`. Fleet mode is `MontaAuth.layerWithStore(options)` with this
 * store provided; MontaAuth itself does not change.
 *
 * @example
 * ```ts
 * import { MontaAuth } from "@monta-auth/core"
 * import { RedisTokenStore } from "@monta-auth/redis"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Layer, Redacted } from "effect"
 *
 * const AuthLive = MontaAuth.layerWithStore({ clientId: "my-client", clientSecret: Redacted.make("s3cret") }).pipe(
 *   Layer.provide(RedisTokenStore.layer({ url: "redis://redis:6379", encryptionKey: Redacted.make("...") })),
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export class RedisTokenStore {
  private constructor() {}

  /**
   * Builds the store in a scope: two Redis connections (commands, pub/sub) closed with the scope.
   * Fails with `InvalidOptions` when there is no encryption key and `allowPlaintext` is not set.
   */
  static make(options: RedisTokenStoreOptions = {}): Effect.Effect<TokenStoreService, InvalidOptions, Scope.Scope> {
    return internal.make(options)
  }

  /** A layer providing core's `TokenStore` on Redis. */
  static layer(options: RedisTokenStoreOptions = {}): Layer.Layer<TokenStore, InvalidOptions> {
    return Layer.scoped(TokenStore, internal.make(options))
  }

  /**
   * A layer reading `REDIS_URL` and, optionally, `MONTA_TOKEN_ENCRYPTION_KEY` (a secret) from the
   * `ConfigProvider`; other options are passed as they are.
   */
  static layerConfig(
    options: Omit<RedisTokenStoreOptions, "url" | "encryptionKey"> = {}
  ): Layer.Layer<TokenStore, InvalidOptions | ConfigError.ConfigError> {
    return Layer.scoped(
      TokenStore,
      Effect.gen(function*() {
        const url = yield* Config.string("REDIS_URL")
        const encryptionKey = yield* Config.option(Config.redacted("MONTA_TOKEN_ENCRYPTION_KEY"))
        return yield* internal.make({ ...options, url, encryptionKey: Option.getOrUndefined(encryptionKey) })
      })
    )
  }

  /** The keys and channel written for a clientId (default prefix `monta-auth:`). */
  static keys(clientId: string, keyPrefix: string = internal.defaults.keyPrefix): RedisTokenStoreKeys {
    return internal.keysFor(keyPrefix, clientId)
  }
}
