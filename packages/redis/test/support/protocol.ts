import { StoredToken, type TokenStoreError, type TokenStoreService, versionOf } from "@monta-auth/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** What a test asks of a rotation over the store's protocol. */
export interface RotateOver<E, R> {
  readonly clientId: string
  /** The version the caller holds (none when it holds nothing). */
  readonly seen: Option.Option<number>
  /** Whether a stored pair newer than `seen` can be used as it is. */
  readonly accept: (latest: StoredToken) => boolean
  /** Gets a new pair from the fake, given the latest stored one. */
  readonly refresh: (latest: Option.Option<StoredToken>) => Effect.Effect<Omit<StoredToken, "version">, E, R>
}

/**
 * Drives the passive store through one rotation the way MontaAuth's does (lease, load, adopt or
 * refresh, compare-and-set save; a busy lease waits for the holder's pair), so the Redis store's
 * lease, versions and wake-ups are tested against real Redis without MontaAuth around them.
 */
export const rotateOver = <E, R>(
  store: TokenStoreService,
  request: RotateOver<E, R>
): Effect.Effect<StoredToken, E | TokenStoreError, R> =>
  Effect.gen(function*() {
    const seen = Option.getOrElse(request.seen, () => 0)
    const usable = (token: Option.Option<StoredToken>, above: number): token is Option.Some<StoredToken> =>
      Option.isSome(token) && token.value.version > above && request.accept(token.value)
    let above = seen
    while (true) {
      if (yield* store.lease(request.clientId)) {
        const latest = yield* store.load(request.clientId)
        if (usable(latest, seen)) return latest.value
        const fresh = yield* request.refresh(latest)
        const token = new StoredToken({ ...fresh, version: Math.max(versionOf(latest), seen) + 1 })
        const outcome = yield* store.save(token, { expectedVersion: versionOf(latest) })
        return outcome.saved ? token : Option.getOrElse(outcome.current, () => token)
      }
      const newer = yield* store.awaitNewer(request.clientId, above)
      if (usable(newer, above)) return newer.value
      above = Math.max(above, versionOf(newer))
    }
  }).pipe(Effect.scoped)
