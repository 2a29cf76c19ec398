import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/**
 * A `Clock` that several runtimes can share (`TestClock` belongs to one fiber's environment), with
 * `TestClock`'s semantics: time moves only on `advance`, which wakes every sleep that falls due, in
 * order, at its own instant. After each wake-up it yields `settleYields` times so that woken fibers
 * doing no real I/O finish their work. (The idea of bench/support.ts's `ManualClock`.)
 */
export class ManualClock implements Clock.Clock {
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId
  private now = 0
  private sleeps: Array<{ readonly at: number; readonly wake: () => void; readonly seq: number }> = []
  private seq = 0
  constructor(private readonly settleYields = 10) {}
  unsafeCurrentTimeMillis(): number {
    return this.now
  }
  get currentTimeMillis(): Effect.Effect<number> {
    return Effect.sync(() => this.now)
  }
  unsafeCurrentTimeNanos(): bigint {
    return BigInt(Math.round(this.now * 1_000_000))
  }
  get currentTimeNanos(): Effect.Effect<bigint> {
    return Effect.sync(() => this.unsafeCurrentTimeNanos())
  }
  sleep(duration: Duration.Duration): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      const entry = { at: this.now + Duration.toMillis(duration), wake: () => resume(Effect.void), seq: this.seq++ }
      this.sleeps.push(entry)
      return Effect.sync(() => {
        this.sleeps = this.sleeps.filter((sleep) => sleep !== entry)
      })
    })
  }
  /** Live sleeps (for tests of leaks). */
  get pending(): number {
    return this.sleeps.length
  }
  /** Moves time forward by `duration`, waking each sleep that falls due at its own instant. */
  advance(duration: Duration.DurationInput): Effect.Effect<void> {
    const settle = Effect.gen(this, function*() {
      for (let i = 0; i < this.settleYields; i++) yield* Effect.yieldNow()
    })
    return Effect.gen(this, function*() {
      const end = this.now + Duration.toMillis(Duration.decode(duration))
      while (true) {
        let next: { readonly at: number; readonly wake: () => void; readonly seq: number } | undefined
        for (const sleep of this.sleeps) {
          if (
            sleep.at <= end &&
            (next === undefined || sleep.at < next.at || (sleep.at === next.at && sleep.seq < next.seq))
          ) {
            next = sleep
          }
        }
        if (next === undefined) break
        const due = next
        this.sleeps = this.sleeps.filter((sleep) => sleep !== due)
        this.now = Math.max(this.now, due.at)
        due.wake()
        yield* settle
      }
      this.now = end
      yield* settle
    })
  }
}
