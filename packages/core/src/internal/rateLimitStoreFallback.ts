import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Api from "../MontaRateLimiter.js"

// While the store is down, how often it is tried again.
const storeRetryIntervalMillis = 5000

/**
 * F5: store calls with a fallback. A failing store is logged once and replaced by this process's
 * memory; while it is down it is tried again every 5 s, so callers do not each wait for it.
 *
 * @internal
 */
export const makeStoreFallback = (
  store: Api.MontaRateLimiterStoreService,
  fallback: Api.MontaRateLimiterStoreService,
  clock: Clock.Clock
) => {
  let storeDown = false
  let storeRetryAt = 0
  const withFallback = <A>(
    operation: string,
    use: (store: Api.MontaRateLimiterStoreService) => Effect.Effect<A, Api.RateLimiterStoreError>
  ): Effect.Effect<A> => {
    const fallbackUse = Effect.suspend(() => Effect.orDie(use(fallback)))
    const onStoreError = (error: Api.RateLimiterStoreError) =>
      Effect.suspend(() => {
        storeRetryAt = clock.unsafeCurrentTimeMillis() + storeRetryIntervalMillis
        if (storeDown) return fallbackUse
        storeDown = true
        return Effect.logError(
          `monta-auth: rate-limit store ${operation} failed (${error.detail}); counting in this process's ` +
            `memory until it is back`
        ).pipe(Effect.zipRight(fallbackUse))
      })
    if (!storeDown) return Effect.catchAll(use(store), onStoreError)
    if (clock.unsafeCurrentTimeMillis() < storeRetryAt) return fallbackUse
    return use(store).pipe(
      Effect.tap(() => {
        if (!storeDown) return Effect.void
        storeDown = false
        return Effect.logWarning("monta-auth: rate-limit store is back; the shared budget is in use again")
      }),
      Effect.catchAll(onStoreError)
    )
  }
  return { use: withFallback, isDown: () => storeDown }
}
