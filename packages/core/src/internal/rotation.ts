import { RefreshRequest, TokenRequest } from "@monta-auth/schema"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { AuthEvent } from "../AuthEvent.js"
import type { MontaAuthApiService, TokenResponse } from "../MontaAuthApi.js"
import type {
  AuthEndpoint,
  AuthEndpointFailed,
  AuthEndpointRejected,
  MalformedResponse,
  TokenStoreError
} from "../MontaError.js"
import { StoredToken, type TokenStoreService } from "../TokenStore.js"
import { anchor, type Unversioned } from "./anchoring.js"
import type { ClientMetrics } from "./authMetrics.js"

/** How a rotation got its pair. */
export type RotationKind = "Acquired" | "Refreshed" | "Adopted"

/** What a rotation answers. */
export interface Rotated {
  readonly how: RotationKind
  readonly token: StoredToken
  /** The endpoint that issued the pair (none when it was adopted). */
  readonly endpoint: AuthEndpoint | undefined
}

/** Why a rotation failed: the auth endpoints' errors (a refusal of `/auth/token` included). */
export type RotationError = AuthEndpointFailed | AuthEndpointRejected | MalformedResponse

/** What a rotation needs to know of the instance that asks for it. */
export interface RotationRequest {
  /** The highest version this instance held (0: none). */
  readonly seen: number
  /** The pair this instance holds in memory, if any (its refresh token may still be the latest). */
  readonly held: StoredToken | undefined
  /** Whether a pair found in the store can be used as it is (for instance, not inside the margin). */
  readonly acceptable: (token: StoredToken) => boolean
}

export interface RotationDeps {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly api: MontaAuthApiService
  readonly store: TokenStoreService
  readonly metrics: ClientMetrics
  readonly publish: (event: AuthEvent) => void
}

/** A refresh token counts as dead this long before its expiry. */
const refreshSkewMillis = 1_000

/** A busy lease is waited for at most this many times before rotating without it. */
const maxLeaseRounds = 5

/** F1: the version a new pair gets; never below one this instance has seen. */
const nextVersion = (stored: Option.Option<StoredToken>, seen: number): number =>
  Math.max(Option.match(stored, { onNone: () => 0, onSome: (token) => token.version }), seen) + 1

const versionOf = (stored: Option.Option<StoredToken>): number => nextVersion(stored, 0) - 1

const newest = (stored: Option.Option<StoredToken>, held: StoredToken | undefined): StoredToken | undefined =>
  Option.match(stored, {
    onNone: () => held,
    onSome: (token) => held !== undefined && held.version > token.version ? held : token
  })

/**
 * L3/L6/F1-F5: one rotation as one Effect. Under the store's lease: load, adopt a newer acceptable
 * pair, else refresh (or acquire) through `MontaAuthApi`, save by compare-and-set, answer what was
 * stored. A busy lease waits for the holder's pair and adopts it; a failing store means rotating
 * alone in memory (F5, `StoreUnavailable`).
 *
 * @internal
 */
export const make = (deps: RotationDeps) => {
  const { api, clientId, metrics, publish, store } = deps
  // The version whose refresh token `/auth/refresh` refused: later attempts go to `/auth/token`.
  let deadRefreshVersion: number | undefined

  const storeFailed = (operation: string, error: TokenStoreError) =>
    Effect.logWarning(`monta-auth: token store ${operation} failed, keeping the token in memory: ${error.detail}`).pipe(
      Effect.zipRight(metrics.storeFailed(operation)),
      Effect.zipRight(Effect.sync(() => publish(AuthEvent.StoreUnavailable({ operation, detail: error.detail }))))
    )

  /**
   * F5: the store of one rotation. Once one of its operations fails, the rotation goes on alone in
   * memory: the later operations answer their fallback at once (one `StoreUnavailable`, no second
   * wait on a hung store); the next rotation tries the store again.
   */
  const storeOfRotation = () => {
    let alone = false
    return <A>(operation: string, fallback: A) => <R>(effect: Effect.Effect<A, TokenStoreError, R>) =>
      Effect.suspend(() =>
        alone ? Effect.succeed(fallback) : Effect.catchAll(effect, (error) => {
          alone = true
          return Effect.as(storeFailed(operation, error), fallback)
        })
      )
  }
  type OrElse = ReturnType<typeof storeOfRotation>

  const issued = (response: TokenResponse, endpoint: AuthEndpoint, how: "Acquired" | "Refreshed"): Fresh => {
    const anchored = anchor(clientId, response, endpoint)
    if (anchored.ignored !== undefined) publish(AuthEvent.DateHeaderIgnored(anchored.ignored))
    return { how, endpoint, token: anchored.token }
  }

  /** A pair from Monta, before the store gives it a version. */
  interface Fresh {
    readonly how: "Acquired" | "Refreshed"
    readonly endpoint: AuthEndpoint
    readonly token: Unversioned
  }

  /** A stored pair taken as it is. */
  type Adopted = Rotated & { readonly how: "Adopted" }
  const adopt = (token: StoredToken): Adopted => ({ how: "Adopted", endpoint: undefined, token })

  /** The stored pair when it is this client's, newer than `above` and good enough as it is. */
  const adoptable = (stored: Option.Option<StoredToken>, above: number, request: RotationRequest) =>
    Option.isSome(stored) && stored.value.clientId === clientId && stored.value.version > above &&
      request.acceptable(stored.value)
      ? stored.value
      : undefined

  const acquire = api.token(new TokenRequest({ clientId, clientSecret: deps.clientSecret })).pipe(
    metrics.countRequest("client_credentials"),
    Effect.map((response) => issued(response, "/auth/token", "Acquired"))
  )

  // L6: `/auth/refresh` with the latest refresh token while it lives; `/auth/token` when it is dead
  // or refused (F3 first: another instance may have rotated with it, and stored the result).
  const obtain = (latest: StoredToken | undefined, request: RotationRequest, orElse: OrElse) =>
    Effect.gen(function*(): Effect.fn.Return<Fresh | Adopted, RotationError> {
      const now = yield* Clock.currentTimeMillis
      if (latest === undefined || latest.version === deadRefreshVersion) return yield* acquire
      if (latest.refreshExpiresAt - refreshSkewMillis <= now) {
        deadRefreshVersion = latest.version
        publish(AuthEvent.FellBack({ reason: "the refresh token expired" }))
        return yield* acquire
      }
      const refreshed = yield* api.refresh(new RefreshRequest({ refreshToken: latest.pair.refreshToken })).pipe(
        metrics.countRequest("refresh_token"),
        Effect.map((response): Option.Option<Fresh | Adopted> =>
          Option.some(issued(response, "/auth/refresh", "Refreshed"))
        ),
        Effect.catchTag("AuthEndpointRejected", (rejected) =>
          Effect.gen(function*() {
            const reread = adoptable(
              yield* orElse("load", Option.none<StoredToken>())(store.load(clientId)),
              latest.version,
              request
            )
            if (reread !== undefined) return Option.some(adopt(reread))
            deadRefreshVersion = latest.version
            publish(AuthEvent.FellBack({ reason: `/auth/refresh refused the refresh token (HTTP ${rejected.status})` }))
            return Option.none()
          }))
      )
      return Option.isSome(refreshed) ? refreshed.value : yield* acquire
    })

  // Saves a new pair over `stored`; when another writer stored first (our lease had lapsed), its
  // pair wins if it is usable, else ours is written over it once. A store that fails keeps ours.
  const persist = (
    fresh: Fresh,
    stored: Option.Option<StoredToken>,
    request: RotationRequest,
    orElse: OrElse
  ): Effect.Effect<Rotated> =>
    Effect.gen(function*() {
      let over = stored
      for (let write = 0; write < 2; write++) {
        const token = new StoredToken({ ...fresh.token, version: nextVersion(over, request.seen) })
        const outcome = yield* orElse("save", { saved: true, current: Option.some(token) })(
          store.save(token, { expectedVersion: versionOf(over) })
        )
        if (outcome.saved) return { how: fresh.how, endpoint: fresh.endpoint, token }
        const winner = outcome.current
        const usable = adoptable(winner, 0, request)
        if (usable !== undefined) {
          yield* Effect.logWarning(
            `monta-auth: another instance stored v${usable.version} of ${clientId} during our refresh; using it`
          )
          return adopt(usable)
        }
        over = winner
      }
      yield* Effect.logWarning(`monta-auth: the stored pair of ${clientId} kept changing; keeping ours in memory`)
      return {
        how: fresh.how,
        endpoint: fresh.endpoint,
        token: new StoredToken({ ...fresh.token, version: nextVersion(over, request.seen) })
      }
    })

  const underLease = (request: RotationRequest, orElse: OrElse) =>
    Effect.gen(function*() {
      const stored = yield* orElse("load", Option.none<StoredToken>())(store.load(clientId))
      const usable = adoptable(stored, request.seen, request)
      if (usable !== undefined) return adopt(usable)
      const obtained = yield* obtain(newest(stored, request.held), request, orElse)
      return obtained.how === "Adopted" ? obtained : yield* persist(obtained, stored, request, orElse)
    })

  return (request: RotationRequest): Effect.Effect<Rotated, RotationError> =>
    Effect.gen(function*() {
      const orElse = storeOfRotation()
      let above = request.seen
      for (let round = 1;; round++) {
        const leased = yield* orElse("lease", true)(store.lease(clientId))
        if (leased || round > maxLeaseRounds) return yield* underLease(request, orElse)
        // F2/F3: another instance rotates; wait for its pair (or for the lease to be free again).
        const newer = yield* store.awaitNewer(clientId, above).pipe(
          Effect.map(Option.some),
          orElse("awaitNewer", Option.none<Option.Option<StoredToken>>())
        )
        if (Option.isNone(newer)) return yield* underLease(request, orElse)
        const usable = adoptable(newer.value, above, request)
        if (usable !== undefined) return adopt(usable)
        above = Math.max(above, versionOf(newer.value))
      }
    }).pipe(Effect.scoped)
}
