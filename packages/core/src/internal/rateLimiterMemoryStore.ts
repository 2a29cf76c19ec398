/**
 * The memory store of the rate budget: fixed windows per key on the caller's clock readings. It
 * imports the public module as types only, so the public module can build its layer from it at
 * load time.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Api from "../MontaRateLimiter.js"

interface Window {
  readonly start: number
  end: number
  count: number
}

/** @internal */
export const makeStoreMemory: Effect.Effect<Api.MontaRateLimiterStoreService> = Effect.sync(() => {
  const windows = new Map<string, Window>()
  const current = (key: string, budget: Api.RateBudget, now: number): Window => {
    const window = windows.get(key)
    if (window !== undefined && window.end > now) return window
    const fresh: Window = { start: now, end: now + Duration.toMillis(budget.window), count: 0 }
    windows.set(key, fresh)
    return fresh
  }
  const unsafeTake: NonNullable<Api.MontaRateLimiterStoreService["unsafeTake"]> = ({ budget, cost, key, now }) => {
    const window = current(key, budget, now)
    const taken = window.count + cost <= budget.limit
    if (taken) window.count += cost
    return { taken, windowStart: window.start, resetsAt: window.end, remaining: budget.limit - window.count }
  }
  return {
    take: (options) => Effect.sync(() => unsafeTake(options)),
    unsafeTake,
    correct: ({ budget, key, now, refund, resetsAt, used, windowStart }) =>
      Effect.sync(() => {
        let window = windows.get(key)
        if (windowStart !== undefined) {
          if (window === undefined || window.start !== windowStart || window.end <= now) return
        } else {
          window = current(key, budget, now)
        }
        window.count = Math.max(0, Math.max(window.count, used) - refund)
        if (resetsAt !== undefined) window.end = resetsAt
      })
  }
})
