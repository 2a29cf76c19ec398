import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Random from "effect/Random"
import type { StoredToken } from "../TokenStore.js"
import { policy, stepper } from "./retryPolicy.js"

/** The background refresh never waits less than this between two attempts that did not help. */
const minBackoffMillis = 1_000

/** The backoff of rounds that did not help: the retry policy, from 1 s up to a minute, forever. */
const backoff = policy({ baseDelay: 1_000, maxDelay: 60_000, maxElapsed: Infinity, times: Infinity })

export interface RefreshLoopDeps {
  /** The margin before expiry at which the refresh runs (already bounded by the token's life). */
  readonly marginFor: (token: StoredToken) => number
  readonly jitter: number
  /** What the loop watches: the current pair, a signal completed when it changes, a cool-down. */
  readonly view: () => {
    readonly token: StoredToken | undefined
    readonly changed: Deferred.Deferred<void>
    readonly coolDownUntil: number | undefined
  }
  /** A refresh through the single flight; answers the pair it ends with. */
  readonly refresh: Effect.Effect<StoredToken, unknown>
}

/**
 * L4: the proactive refresh fiber. It sleeps until `expiry - margin - jitter`, wakes early when
 * the token changes, refreshes through the single flight and survives every failure: after a
 * failed round (which already retried) or a token born inside the margin it backs off 1 s, 2 s,
 * 4 s ... up to a minute, jittered.
 *
 * @internal
 */
export const run = (deps: RefreshLoopDeps): Effect.Effect<never> =>
  Effect.gen(function*() {
    let next = stepper(backoff)
    let pause = 0
    while (true) {
      const { changed, coolDownUntil, token } = deps.view()
      if (token === undefined) {
        yield* Deferred.await(changed)
        continue
      }
      const jitter = deps.jitter > 0 ? yield* Random.nextRange(0, deps.jitter) : 0
      const now = yield* Clock.currentTimeMillis
      let wait = token.accessExpiresAt - deps.marginFor(token) - jitter - now
      if (pause > 0) wait = Math.max(wait, minBackoffMillis, pause)
      if (coolDownUntil !== undefined) wait = Math.max(wait, coolDownUntil - now)
      if (wait > 0) {
        const woken = yield* Effect.raceFirst(
          Effect.as(Effect.sleep(Duration.millis(wait)), false),
          Effect.as(Deferred.await(changed), true)
        )
        if (woken) continue
      }
      const exit = yield* Effect.exit(deps.refresh)
      const after = yield* Clock.currentTimeMillis
      if (Exit.isSuccess(exit) && after < exit.value.accessExpiresAt - deps.marginFor(exit.value)) {
        next = stepper(backoff)
        pause = 0
        continue
      }
      if (Exit.isFailure(exit)) {
        yield* Effect.logDebug("monta-auth: background refresh failed; the current token is served while valid")
      }
      pause = (yield* next({})) ?? minBackoffMillis
    }
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("monta-auth: token refresh fiber restarts", cause)),
    Effect.forever
  )
