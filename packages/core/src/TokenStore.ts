/**
 * Where the token pair lives between uses and restarts (L13). MontaAuth only talks to this
 * interface, so a store can add versions and a refresh lease (fleet mode, F1-F3) without any
 * change to MontaAuth.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { TokenPair } from "@monta-auth/schema"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as internalFile from "./internal/fileStore.js"
import { TokenStoreError } from "./MontaError.js"

/**
 * A token pair as stored: the pair, its expiries anchored to this host's clock (L9), and a
 * version that grows by one on every rotation (F1).
 *
 * @since 0.1.0
 * @category models
 */
export class StoredToken extends Schema.Class<StoredToken>("@monta-auth/core/StoredToken")({
  clientId: Schema.String,
  pair: TokenPair,
  /** When the access token expires, epoch milliseconds on the Effect `Clock`, server-anchored. */
  accessExpiresAt: Schema.Number,
  /** When the refresh token expires, epoch milliseconds on the Effect `Clock`, server-anchored. */
  refreshExpiresAt: Schema.Number,
  /** When the pair was obtained, epoch milliseconds on the Effect `Clock`. */
  obtainedAt: Schema.Number,
  /** Grows by one each time a new pair replaces the old one for this clientId. */
  version: Schema.Int
}) {}

/**
 * The encoded (JSON) form of a `StoredToken`; it holds the tokens in clear, so stores that write
 * it somewhere must protect it (file mode 0600, encryption at rest).
 *
 * @since 0.1.0
 * @category models
 */
export type StoredTokenJson = typeof StoredToken.Encoded

/**
 * What a rotation asks of the store.
 *
 * @since 0.1.0
 * @category models
 */
export interface RotateRequest<E, R> {
  readonly clientId: string
  /** The version the caller holds (none when it holds nothing). */
  readonly seen: Option.Option<number>
  /**
   * Whether a stored token newer than `seen` can be used as it is (for example: not expiring
   * within the refresh margin). When it can, the store returns it and `refresh` does not run.
   */
  readonly accept: (latest: StoredToken) => boolean
  /**
   * Gets a new pair from Monta, given the latest stored token (whose refresh token it should
   * use). The store assigns the version.
   */
  readonly refresh: (latest: Option.Option<StoredToken>) => Effect.Effect<Omit<StoredToken, "version">, E, R>
}

/**
 * The store service.
 *
 * @since 0.1.0
 * @category services
 */
export interface TokenStoreService {
  /** The stored token of a clientId, if any. */
  readonly load: (clientId: string) => Effect.Effect<Option.Option<StoredToken>, TokenStoreError>
  /** Drops the stored token of a clientId. */
  readonly clear: (clientId: string) => Effect.Effect<void, TokenStoreError>
  /**
   * Makes sure a token newer than `seen` exists and returns it: adopts one another writer stored
   * (when `accept` says it is good), or runs `refresh` and stores its result with the next
   * version. A fleet store runs `refresh` under a lease, so only one instance rotates at a time.
   * A store that cannot reach its backend may fail with `TokenStoreError`; MontaAuth then
   * refreshes on its own and keeps the pair in memory (F5).
   */
  readonly rotate: <E, R>(request: RotateRequest<E, R>) => Effect.Effect<StoredToken, E | TokenStoreError, R>
}

/**
 * A plain backend for `TokenStore.makeSimple`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimpleBackend {
  readonly load: (clientId: string) => Effect.Effect<Option.Option<StoredToken>, TokenStoreError>
  readonly save: (token: StoredToken) => Effect.Effect<void, TokenStoreError>
  readonly clear: (clientId: string) => Effect.Effect<void, TokenStoreError>
}

/**
 * Options of `TokenStore.makeSimple`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimpleStoreOptions {
  /**
   * How long one `load`, `save` or `clear` of the backend may take before it counts as failed
   * (L14: a hung store must not hold callers; MontaAuth then keeps the pair in memory). Default
   * 5 seconds, on the Effect `Clock`.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

const makeSimple = (backend: SimpleBackend, options?: SimpleStoreOptions): Effect.Effect<TokenStoreService> =>
  Effect.gen(function*() {
    const timeout = Duration.decode(options?.timeout ?? Duration.seconds(5))
    const bounded = <A>(operation: string, effect: Effect.Effect<A, TokenStoreError>) =>
      Effect.timeoutFail(effect, {
        duration: timeout,
        onTimeout: () => new TokenStoreError({ operation, detail: `no answer within ${Duration.format(timeout)}` })
      })
    const lock = yield* Effect.makeSemaphore(1)
    const isNewer = (latest: StoredToken, seen: Option.Option<number>) =>
      Option.match(seen, { onNone: () => true, onSome: (version) => latest.version > version })
    const load = (clientId: string) => bounded("load", backend.load(clientId))
    const save = (token: StoredToken) => bounded("save", backend.save(token))
    return {
      load,
      clear: (clientId) => bounded("clear", backend.clear(clientId)),
      rotate: <E, R>(request: RotateRequest<E, R>) =>
        lock.withPermits(1)(Effect.gen(function*() {
          const latest = yield* load(request.clientId)
          if (Option.isSome(latest) && isNewer(latest.value, request.seen) && request.accept(latest.value)) {
            return latest.value
          }
          const fresh = yield* request.refresh(latest)
          const version = Math.max(
            Option.match(latest, { onNone: () => 0, onSome: (token) => token.version }),
            Option.getOrElse(request.seen, () => 0)
          ) + 1
          const stored = new StoredToken({ ...fresh, version })
          // The pair is rotated already: failing to persist it must not lose it (the old refresh
          // token is dead), so a save failure is logged and the new pair still returned.
          yield* save(stored).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning(`monta-auth: token store save failed, keeping the pair in memory: ${error.detail}`)
            )
          )
          return stored
        }))
    }
  })

const makeMemory: Effect.Effect<TokenStoreService> = Effect.gen(function*() {
  const ref = yield* SynchronizedRef.make(new Map<string, StoredToken>())
  return yield* makeSimple({
    load: (clientId) => SynchronizedRef.get(ref).pipe(Effect.map((map) => Option.fromNullable(map.get(clientId)))),
    save: (token) => SynchronizedRef.update(ref, (map) => new Map(map).set(token.clientId, token)),
    clear: (clientId) =>
      SynchronizedRef.update(ref, (map) => {
        const next = new Map(map)
        next.delete(clientId)
        return next
      })
  })
})

/**
 * The token store: memory by default, a file with `layerFileSystem`, Redis in `@monta-auth/redis`.
 *
 * @since 0.1.0
 * @category services
 */
export class TokenStore extends Context.Tag("@monta-auth/core/TokenStore")<TokenStore, TokenStoreService>() {
  /**
   * A store in this process's memory: the default. Nothing survives a restart.
   */
  static readonly layerMemory: Layer.Layer<TokenStore> = Layer.effect(TokenStore, makeMemory)
  /** Builds the memory store (a new one each time it runs). */
  static readonly makeMemory: Effect.Effect<TokenStoreService> = makeMemory
  /**
   * Builds a store with the usual rotation semantics from a plain load/save/clear backend.
   * Rotations run one at a time per store (a process-local lock); a backend with its own
   * cross-process lease (Redis) implements `rotate` itself.
   */
  static makeSimple(backend: SimpleBackend, options?: SimpleStoreOptions): Effect.Effect<TokenStoreService> {
    return makeSimple(backend, options)
  }
  /**
   * A store in a JSON file keyed by clientId, so a restart reuses a valid pair instead of calling
   * `/auth/token` (L13). Writes go to a temp file with mode 0600 that is renamed over the old one;
   * a corrupt file is ignored with a warning. The file holds tokens in clear: keep it private.
   */
  static layerFileSystem(path: string): Layer.Layer<TokenStore, never, FileSystem.FileSystem> {
    return Layer.effect(TokenStore, internalFile.make(path, makeSimple))
  }
  /** Builds the file store of `layerFileSystem`. */
  static makeFileSystem(path: string): Effect.Effect<TokenStoreService, never, FileSystem.FileSystem> {
    return internalFile.make(path, makeSimple)
  }
}
