/**
 * P6: 10 000 simulated token lifetimes on a manual clock with `TestClock`'s semantics (see
 * `ManualClock` in support.ts for why not `TestClock.adjust` itself) (1-minute tokens on the in-memory
 * MontaFake): heap growth and live fibers, against the same number of iterations of a loop that
 * moves the clock and does no token work.
 */
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Supervisor from "effect/Supervisor"
import type { Bench, Row } from "./lib.js"
import { authOptions, collect, gcExposed, ManualClock } from "./support.js"

const lifetimes = Number(process.env.P6_LIFETIMES ?? 10_000)
const warmUp = 2_000
const lifetime = "1 minute"

const settle = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) yield* Effect.yieldNow()
})

/** Heap readings (after GC) at this many evenly spaced points of the measured lifetimes. */
const checkpoints = 6

/**
 * The least-squares slope of the heap readings, times the number of lifetimes: a leak grows every
 * reading, while one noisy reading (a JIT or allocator step) barely moves the fitted line.
 */
const fittedGrowth = (readings: ReadonlyArray<{ readonly at: number; readonly heap: number }>): number => {
  const n = readings.length
  const meanAt = readings.reduce((sum, r) => sum + r.at, 0) / n
  const meanHeap = readings.reduce((sum, r) => sum + r.heap, 0) / n
  let covariance = 0
  let variance = 0
  for (const r of readings) {
    covariance += (r.at - meanAt) * (r.heap - meanHeap)
    variance += (r.at - meanAt) ** 2
  }
  return (covariance / variance) * lifetimes
}

interface Growth {
  readonly heapGrowth: number
  readonly readings: ReadonlyArray<number>
  readonly fibersBefore: number
  readonly fibersAfter: number
  readonly authRequests: number
}

/** Runs `warmUp` iterations, measures, runs `lifetimes` more, measures again. */
const measure = (
  iteration: Effect.Effect<void, unknown, never>,
  requests: Effect.Effect<number>,
  supervisor: Supervisor.Supervisor<ReadonlyArray<unknown>>
) =>
  Effect.gen(function*() {
    return yield* Effect.gen(function*() {
      for (let i = 0; i < warmUp; i++) yield* iteration
      yield* settle
      const fibersBefore = (yield* supervisor.value).length
      const requestsBefore = yield* requests
      const readings = [{ at: 0, heap: yield* Effect.promise(collect) }]
      for (let point = 1; point < checkpoints; point++) {
        const until = Math.round((lifetimes * point) / (checkpoints - 1))
        for (let i = readings[readings.length - 1].at; i < until; i++) yield* iteration
        yield* settle
        readings.push({ at: until, heap: yield* Effect.promise(collect) })
      }
      const fibersAfter = (yield* supervisor.value).length
      return {
        heapGrowth: fittedGrowth(readings),
        readings: readings.map((r) => r.heap),
        fibersBefore,
        fibersAfter,
        authRequests: (yield* requests) - requestsBefore
      } satisfies Growth
    })
  })

const withTokens = Effect.gen(function*() {
  const clock = new ManualClock(100)
  const supervisor = yield* Supervisor.track
  const program = Effect.gen(function*() {
    const auth = yield* MontaAuth
    const fake = yield* MontaFake
    yield* auth.accessToken
    const requests = Effect.map(fake.counters, (c) => c.tokenRequests + c.refreshRequests)
    const iteration = Effect.zipRight(clock.advance(lifetime), auth.accessToken).pipe(Effect.asVoid)
    return yield* measure(iteration, requests, supervisor)
  }).pipe(
    Effect.provide(
      MontaAuth.layer(authOptions(undefined, undefined, { refreshMargin: "10 seconds", jitter: "1 second" })).pipe(
        Layer.orDie,
        Layer.provideMerge(
          MontaFake.layerTest({ accessTokenLifetime: lifetime, refreshTokenLifetime: "3 minutes", journalLimit: 100 })
        )
      )
    )
  )
  return yield* Effect.supervised(program, supervisor).pipe(Effect.withClock(clock))
})

const withoutTokens = Effect.gen(function*() {
  const clock = new ManualClock(100)
  const supervisor = yield* Supervisor.track
  return yield* Effect.supervised(
    measure(clock.advance(lifetime), Effect.succeed(0), supervisor),
    supervisor
  ).pipe(Effect.withClock(clock))
})

export const p6: Bench = {
  id: "P6",
  title: "10 000 token lifetimes on a manual test clock: heap and fibers",
  run: async () => {
    const baseline = await Effect.runPromise(withoutTokens)
    const ours = await Effect.runPromise(withTokens)
    const gc = gcExposed()
    const gcNote = gc ?
      "global.gc run before each heap reading" :
      "global.gc NOT exposed (run with NODE_OPTIONS=--expose-gc): heap readings include garbage, so they are noisy"
    const rows: ReadonlyArray<Row> = [
      {
        metric: "heap growth over 10 000 token lifetimes",
        ours: ours.heapGrowth / 1024,
        baseline: baseline.heapGrowth / 1024,
        unit: "KiB",
        ratio: ours.heapGrowth / (1024 * 1024),
        target: "< 1 MB",
        met: ours.heapGrowth < 1024 * 1024,
        note: `${gcNote}; growth = least-squares slope of ${checkpoints} heap readings across the lifetimes ` +
          `(ours, KiB: ${ours.readings.map((heap) => (heap / 1024).toFixed(0)).join(", ")}) times ${lifetimes}; ` +
          `${warmUp} lifetimes of warm-up first; token endpoint requests during the ` +
          `10 000 lifetimes: ${ours.authRequests}; baseline: the clock advanced ${lifetime} 10 000 times, ` +
          `no MontaAuth; time is a ManualClock (TestClock semantics, 100 yields after each wake-up; TestClock.adjust's setTimeout ` +
          `polling made this run take 4.5 min); ratio is the growth in MiB`
      },
      {
        metric: "live fibers before / after",
        ours: ours.fibersAfter,
        baseline: ours.fibersBefore,
        unit: "fibers",
        ratio: ours.fibersAfter - ours.fibersBefore,
        target: "constant",
        met: ours.fibersAfter === ours.fibersBefore,
        note: `Supervisor.track over the whole program; ours = after, baseline = before (no-token loop: ` +
          `${baseline.fibersBefore} before, ${baseline.fibersAfter} after); ratio = after - before`
      }
    ]
    return rows
  }
}
