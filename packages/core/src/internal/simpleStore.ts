import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import { TokenStoreError } from "../MontaError.js"
import type { SimpleBackend, SimpleStoreOptions, StoredToken, TokenStoreService } from "../TokenStore.js"

const versionOf = (token: Option.Option<StoredToken>): number =>
  Option.match(token, { onNone: () => 0, onSome: (stored) => stored.version })

/**
 * A passive store from a plain load/save/clear backend (L13): compare-and-set under a lock of
 * this process, a lease per clientId in this process's memory, and a change signal that wakes
 * `awaitNewer`. Every backend call is bounded by `timeout` (L14).
 *
 * @internal
 */
export const make = (backend: SimpleBackend, options?: SimpleStoreOptions): Effect.Effect<TokenStoreService> =>
  Effect.gen(function*() {
    const timeout = Duration.decode(options?.timeout ?? Duration.seconds(5))
    const leaseWait = Duration.decode(options?.leaseWait ?? Duration.seconds(60))
    const bounded = <A>(operation: string, effect: Effect.Effect<A, TokenStoreError>) =>
      Effect.timeoutFail(effect, {
        duration: timeout,
        onTimeout: () => new TokenStoreError({ operation, detail: `no answer within ${Duration.format(timeout)}` })
      })
    const writeLock = yield* Effect.makeSemaphore(1)
    const leased = new Set<string>()
    // Completed (and replaced) whenever a pair is saved or a lease is let go.
    let changed = Deferred.unsafeMake<void>(FiberId.none)
    const signal = () => {
      const previous = changed
      changed = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(previous, Exit.void)
    }

    const load = (clientId: string) => bounded("load", backend.load(clientId))

    const save: TokenStoreService["save"] = (token, { expectedVersion }) =>
      writeLock.withPermits(1)(Effect.gen(function*() {
        const current = yield* load(token.clientId)
        if (versionOf(current) !== expectedVersion) return { saved: false, current }
        yield* bounded("save", backend.save(token))
        signal()
        return { saved: true, current: Option.some(token) }
      }))

    const lease: TokenStoreService["lease"] = (clientId) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          if (leased.has(clientId)) return false
          leased.add(clientId)
          return true
        }),
        (held) =>
          held
            ? Effect.sync(() => {
              leased.delete(clientId)
              signal()
            })
            : Effect.void
      )

    const awaitNewer: TokenStoreService["awaitNewer"] = (clientId, version) =>
      Effect.gen(function*() {
        while (true) {
          // Taken before the load, so a change between the load and the wait is not missed.
          const wake = changed
          const latest = yield* load(clientId)
          if (versionOf(latest) > version) return latest
          if (!leased.has(clientId)) return Option.none<StoredToken>()
          yield* Deferred.await(wake)
        }
      }).pipe(
        Effect.timeoutFail({
          duration: leaseWait,
          onTimeout: () =>
            new TokenStoreError({
              operation: "awaitNewer",
              detail: `no new pair from the lease holder within ${Duration.format(leaseWait)}`
            })
        })
      )

    return {
      load,
      save,
      lease,
      awaitNewer,
      clear: (clientId) => bounded("clear", backend.clear(clientId))
    }
  })
