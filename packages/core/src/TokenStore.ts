/**
 * Where the token pair lives between uses and restarts (L13). MontaAuth only talks to this
 * interface, so a store can add versions and a refresh lease (fleet mode, F1-F3) without any
 * change to MontaAuth.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as internalFile from "./internal/fileStore.js"
import * as internalSimple from "./internal/simpleStore.js"
import type { TokenStoreError } from "./MontaError.js"
import type { StoredToken } from "./StoredToken.js"

export {
  /**
   * A token pair as stored (defined in `StoredToken.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  StoredToken,
  /**
   * The encoded (JSON) form of a `StoredToken` (defined in `StoredToken.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  type StoredTokenJson
} from "./StoredToken.js"

/**
 * What `save` answers: whether this token was written, and the token the store holds now (the
 * one just written, or the one another writer stored first).
 *
 * @since 0.1.0
 * @category models
 */
export interface SaveOutcome {
  readonly saved: boolean
  readonly current: Option.Option<StoredToken>
}

/**
 * The store service: passive (it keeps and guards the pair; MontaAuth decides what to do with it).
 *
 * Versions (F1): a stored pair's version grows by one on every rotation; `save` writes only when
 * the stored version is still `expectedVersion` (0 when nothing is stored), so two writers never
 * overwrite each other unseen. The lease (F2) lets one instance at a time talk to `/auth/refresh`
 * for a clientId; the others `awaitNewer` and adopt what it stored (F3).
 *
 * @since 0.1.0
 * @category services
 */
export interface TokenStoreService {
  /** The stored token of a clientId, if any. */
  readonly load: (clientId: string) => Effect.Effect<Option.Option<StoredToken>, TokenStoreError>
  /** Compare-and-set: writes `token` if the stored version is `expectedVersion` (0: none stored). */
  readonly save: (
    token: StoredToken,
    options: { readonly expectedVersion: number }
  ) => Effect.Effect<SaveOutcome, TokenStoreError>
  /**
   * Takes the refresh lease of a clientId until the scope closes: `true` when taken, `false` when
   * another holder has it now. A fleet store renews it while the scope is open.
   */
  readonly lease: (clientId: string) => Effect.Effect<boolean, TokenStoreError, Scope.Scope>
  /**
   * Waits until a version above `version` is stored (answering it) or the lease is free again
   * (answering none: take it and rotate). Bounded: a holder that neither stores nor releases within
   * the store's wait fails it with `TokenStoreError`, and MontaAuth rotates alone (F5).
   */
  readonly awaitNewer: (clientId: string, version: number) => Effect.Effect<Option.Option<StoredToken>, TokenStoreError>
  /** Drops the stored token of a clientId. */
  readonly clear: (clientId: string) => Effect.Effect<void, TokenStoreError>
}

/**
 * The version a store holds (0 when it holds nothing): the one place version arithmetic starts.
 *
 * @since 0.1.0
 * @category utils
 */
export const versionOf = (token: Option.Option<StoredToken>): number =>
  Option.match(token, { onNone: () => 0, onSome: (stored) => stored.version })

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
  /**
   * How long `awaitNewer` waits for the lease holder of this process to store a new pair or let
   * the lease go. Default 60 seconds, on the Effect `Clock`.
   */
  readonly leaseWait?: Duration.DurationInput | undefined
}

const makeSimple = internalSimple.make

// One map, changed in place: `makeSimple` already serializes saves (its compare-and-set lock), and
// copying the map on every save made a save cost as much as every credential held (C5: 10 000).
const makeMemory: Effect.Effect<TokenStoreService> = Effect.suspend(() => {
  const pairs = new Map<string, StoredToken>()
  return makeSimple({
    load: (clientId) => Effect.sync(() => Option.fromNullable(pairs.get(clientId))),
    save: (token) => Effect.sync(() => void pairs.set(token.clientId, token)),
    clear: (clientId) => Effect.sync(() => void pairs.delete(clientId))
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
   * Builds a store from a plain load/save/clear backend: compare-and-set and the lease are kept in
   * this process (a lock, a lease per clientId); a backend with a cross-process lease (Redis)
   * implements the whole `TokenStoreService` itself.
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
