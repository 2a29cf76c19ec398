import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import { AuthEvent } from "../AuthEvent.js"
import type { RetryInput } from "../MontaAuth.js"
import type { AuthEndpoint } from "../MontaError.js"
import type { StoredToken } from "../StoredToken.js"
import type { TokenStoreService } from "../TokenStore.js"
import { policy, stepper } from "./retryPolicy.js"
import type { Rotated, RotationError, RotationRequest } from "./rotation.js"

/**
 * What the scheduler keeps of an idle credential: a few numbers beside the registry's entry. A
 * bumped `generation` makes every queued visit of it stale (it went live, or it was removed).
 *
 * @internal
 */
export interface Watched {
  readonly name: string
  readonly key: string
  generation: number
  /** Whether its refreshes have been spread over a token's life once already. */
  spread: boolean
  /** Failed visits in a row, and the retry policy stepped through them (none while all is well). */
  failures: number
  retry: ((input: RetryInput) => Effect.Effect<number | undefined>) | undefined
}

interface Visit {
  readonly at: number
  readonly entry: Watched
  readonly generation: number
  /** A refresh is due; otherwise look at the stored pair and plan one. */
  readonly refresh: boolean
  /** The version of the pair the visit was planned from (0: none known). */
  readonly seen: number
}

/** A binary min-heap of visits by time: 10 000 idle credentials cost one array slot each. */
const heap = () => {
  const items: Array<Visit> = []
  const before = (i: number, j: number) => items[i]!.at < items[j]!.at
  const swap = (i: number, j: number) => {
    const item = items[i]!
    items[i] = items[j]!
    items[j] = item
  }
  return {
    peek: (): Visit | undefined => items[0],
    push: (visit: Visit) => {
      items.push(visit)
      for (let i = items.length - 1; i > 0;) {
        const parent = (i - 1) >> 1
        if (!before(i, parent)) break
        swap(i, parent)
        i = parent
      }
    },
    pop: (): Visit | undefined => {
      const top = items[0]
      const last = items.pop()
      if (items.length > 0 && last !== undefined) {
        items[0] = last
        for (let i = 0;;) {
          const left = 2 * i + 1
          const right = left + 1
          let least = i
          if (left < items.length && before(left, least)) least = left
          if (right < items.length && before(right, least)) least = right
          if (least === i) break
          swap(i, least)
          i = least
        }
      }
      return top
    }
  }
}

/** @internal */
export interface IdleRefreshDeps {
  readonly store: TokenStoreService
  readonly marginFor: (token: StoredToken) => number
  readonly jitter: number
  /** One rotation of that credential (lease, load, refresh or adopt, save). */
  readonly rotate: (entry: Watched, request: RotationRequest) => Effect.Effect<Rotated, RotationError>
  readonly publish: (name: string, event: AuthEvent) => void
  /** How many idle refreshes may run at once. */
  readonly concurrency: number
}

/** Backoff of an idle refresh that failed: the retry policy, from 1 s up to 5 minutes, forever. */
const maxBackoffMillis = 300_000
const backoff = policy({ baseDelay: 1_000, maxDelay: maxBackoffMillis, maxElapsed: Infinity, times: Infinity })

/** A store operation of the scheduler waits at most this long (L14). */
const storeTimeout = Duration.seconds(5)

/**
 * C5: one fiber keeps the pairs of idle credentials fresh, so that no idle credential needs a
 * fiber of its own. A credential handed over is visited once to plan its refresh from the stored
 * pair; its first refresh falls at a uniformly random point of the pair's remaining usable life
 * (credentials that got their tokens together, at a start, do not then refresh together every
 * hour), every later one at `expiry - margin - jitter` as the `MontaAuth` refresh fiber does (L4).
 * At most `concurrency` refreshes run at once, each in a fiber of its own for its duration.
 *
 * @internal
 */
export const make = (deps: IdleRefreshDeps): Effect.Effect<
  {
    /** Hands over an idle credential. */
    readonly watch: (entry: Watched) => void
    /** Takes it back (it went live, or it was removed). */
    readonly unwatch: (entry: Watched) => void
  },
  never,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const queue = heap()
    const clock = yield* Effect.clock
    const semaphore = yield* Effect.makeSemaphore(deps.concurrency)
    let wake = Deferred.unsafeMake<void>(FiberId.none)
    const signal = () => {
      const previous = wake
      wake = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(previous, Exit.void)
    }
    const schedule = (entry: Watched, generation: number, at: number, refresh: boolean, seen: number) => {
      if (entry.generation !== generation) return
      const first = queue.peek()
      // Whole milliseconds: a clock may answer whole milliseconds only (TestClock does), and a
      // visit due at a fraction of one past it would otherwise be slept for, and slept for again.
      queue.push({ at: Math.ceil(at), entry, generation, refresh, seen })
      if (first === undefined || at < first.at) signal()
    }

    const jittered = (token: StoredToken) =>
      Effect.map(
        deps.jitter > 0 ? Random.nextRange(0, deps.jitter) : Effect.succeed(0),
        (jitter) => token.accessExpiresAt - deps.marginFor(token) - jitter
      )

    const failed = (visit: Visit, reason: string, endpoint?: AuthEndpoint) =>
      Effect.gen(function*() {
        const entry = visit.entry
        entry.failures++
        entry.retry ??= stepper(backoff)
        const retryIn = (yield* entry.retry({})) ?? maxBackoffMillis
        deps.publish(
          entry.name,
          AuthEvent.RefreshFailed({
            endpoint: endpoint === "/auth/token" ? "/auth/token" : "/auth/refresh",
            reason,
            attempt: entry.failures,
            retryIn: Duration.millis(retryIn)
          })
        )
        schedule(entry, visit.generation, clock.unsafeCurrentTimeMillis() + retryIn, visit.refresh, visit.seen)
      })

    // Plans the first refresh of a credential handed over, from its stored pair.
    const plan = (visit: Visit) =>
      Effect.gen(function*() {
        const stored = yield* deps.store.load(visit.entry.key).pipe(Effect.timeoutOption(storeTimeout))
        if (Option.isNone(stored)) return yield* failed(visit, "the token store did not answer in 5 seconds")
        // No pair (never used, or cleared): nothing to keep fresh; its next use acquires one.
        if (Option.isNone(stored.value)) return
        const token = stored.value.value
        const now = yield* Clock.currentTimeMillis
        const due = token.accessExpiresAt - deps.marginFor(token)
        const entry = visit.entry
        if (!entry.spread && due > now) {
          entry.spread = true
          return schedule(entry, visit.generation, now + (yield* Random.nextRange(0, due - now)), true, token.version)
        }
        schedule(entry, visit.generation, Math.max(now, yield* jittered(token)), true, token.version)
      })

    const refresh = (visit: Visit) =>
      Effect.gen(function*() {
        const entry = visit.entry
        const now = yield* Clock.currentTimeMillis
        // A pair newer than the one planned from (another instance rotated) is adopted, not refreshed.
        const exit = yield* Effect.exit(deps.rotate(entry, {
          seen: visit.seen,
          held: undefined,
          acceptable: (token) => now < token.accessExpiresAt - deps.marginFor(token)
        }))
        if (Exit.isFailure(exit)) {
          const error = Option.getOrUndefined(Cause.failureOption(exit.cause))
          return yield* failed(
            visit,
            error === undefined ? "interrupted" : error.message,
            error !== undefined && "endpoint" in error ? error.endpoint : undefined
          )
        }
        entry.failures = 0
        entry.retry = undefined
        const { how, token } = exit.value
        deps.publish(entry.name, AuthEvent[how]({ expiresAt: token.accessExpiresAt, version: token.version }))
        schedule(entry, visit.generation, yield* jittered(token), true, token.version)
      })

    const visit = (item: Visit) =>
      (item.refresh ? refresh(item) : plan(item)).pipe(
        Effect.catchAllCause((cause) =>
          Effect.zipRight(Effect.logDebug("monta-auth: idle refresh failed", cause), failed(item, "unexpected"))
        )
      )

    yield* Effect.gen(function*() {
      while (true) {
        const top = queue.peek()
        if (top === undefined) {
          yield* Deferred.await(wake)
          continue
        }
        const now = clock.unsafeCurrentTimeMillis()
        if (top.at > now) {
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(Math.max(1, top.at - now))), Deferred.await(wake))
          continue
        }
        queue.pop()
        if (top.generation !== top.entry.generation) continue
        // Waits for a permit here, so at most `concurrency` refreshes are in flight.
        yield* semaphore.take(1)
        yield* Effect.forkScoped(Effect.ensuring(visit(top), semaphore.release(1)))
      }
    }).pipe(Effect.forkScoped)

    return {
      watch: (entry) => {
        entry.generation++
        schedule(entry, entry.generation, clock.unsafeCurrentTimeMillis(), false, 0)
      },
      unwatch: (entry) => {
        entry.generation++
      }
    }
  })
