import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import type { RetryInput } from "../MontaAuth.js"

/**
 * L7 / H5: the one retry policy of MontaAuth and MontaHttpClient. What is retried at all
 * (transient failures, idempotent methods, 401 once, 429 through the budget) is decided by the
 * caller; this Schedule only says how long to wait before the next attempt, or that it is over.
 */
export interface RetryLimits {
  /** First backoff delay. */
  readonly baseDelay: number
  /** Largest single backoff delay. */
  readonly maxDelay: number
  /** No retry starts later than this after the first failure. */
  readonly maxElapsed: number
  /** At most this many retries. */
  readonly times: number
}

/** @internal */
export const resolveLimits = (
  options: {
    readonly baseDelay?: Duration.DurationInput | undefined
    readonly maxDelay?: Duration.DurationInput | undefined
    readonly maxElapsed?: Duration.DurationInput | undefined
    readonly times?: number | undefined
  } | undefined,
  defaultTimes: number
): RetryLimits => ({
  baseDelay: Duration.toMillis(options?.baseDelay ?? Duration.millis(250)),
  maxDelay: Duration.toMillis(options?.maxDelay ?? Duration.seconds(10)),
  maxElapsed: Duration.toMillis(options?.maxElapsed ?? Duration.seconds(30)),
  times: Math.max(0, options?.times ?? defaultTimes)
})

/**
 * Exponential from `baseDelay`, capped at `maxDelay`, the upper half random ("equal jitter", from
 * the Effect `Random`), never shorter than the server's hint, and done once the next attempt would
 * start more than `maxElapsed` after the first failure or `times` retries were made.
 *
 * @internal
 */
export const policy = (limits: RetryLimits): Schedule.Schedule<number, RetryInput> =>
  Schedule.makeWithState<{ readonly retries: number; readonly firstFailureAt: number | undefined }, RetryInput, number>(
    { retries: 0, firstFailureAt: undefined },
    (now, input, state) =>
      Effect.map(Random.next, (random) => {
        const firstFailureAt = state.firstFailureAt ?? now
        const ceiling = Math.min(limits.maxDelay, limits.baseDelay * 2 ** state.retries)
        const delay = Math.max(ceiling / 2 + random * ceiling / 2, input.hintMillis ?? 0)
        const next = { retries: state.retries + 1, firstFailureAt }
        const over = state.retries >= limits.times || now + delay - firstFailureAt > limits.maxElapsed
        return [
          next,
          delay,
          over ? ScheduleDecision.done : ScheduleDecision.continueWith(ScheduleInterval.after(now + delay))
        ] as const
      })
  )

/**
 * Steps a retry Schedule by hand, for loops that report each decision (events, metrics) before
 * they sleep: each call feeds one failure and answers the pause before the next attempt, or
 * `undefined` when the policy is done. A server hint is honoured by any Schedule, ours or a user's.
 *
 * @internal
 */
export const stepper = (schedule: Schedule.Schedule<unknown, RetryInput>) => {
  let state = schedule.initial
  return (input: RetryInput): Effect.Effect<number | undefined> =>
    Effect.flatMap(
      Clock.currentTimeMillis,
      (now) =>
        Effect.map(schedule.step(now, input, state), ([next, , decision]) => {
          state = next
          if (ScheduleDecision.isDone(decision)) return undefined
          const delay = Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
          return Math.max(delay, input.hintMillis ?? 0)
        })
    )
}
