import { assert, describe, it } from "@effect/vitest"
import { MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { clientOnFake, journalOf, smallConsumer } from "./http-fixtures.js"

/** A small deterministic generator (mulberry32), so each seed is one reproducible schedule. */
const generator = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The fake's fixed windows: each starts with the first request after the previous one ended. */
const serverWindows = (times: ReadonlyArray<number>, windowMillis: number) => {
  const windows: Array<{ readonly end: number; count: number }> = []
  for (const at of [...times].sort((a, b) => a - b)) {
    const last = windows[windows.length - 1]
    if (last === undefined || at >= last.end) windows.push({ end: at + windowMillis, count: 1 })
    else last.count++
  }
  return windows
}

describe("MontaHttpClient rate windows", () => {
  for (const seed of [1, 7, 42]) {
    it.scoped(`R2: random arrivals (seed ${seed}) never exceed a server window and meet no 429`, () =>
      Effect.gen(function*() {
        const client = yield* MontaHttpClient
        const fake = yield* MontaFake
        const random = generator(seed)
        // 80 requests arriving over 5 minutes in bursts, against 10 per 60 s
        const arrivals = Array.from(
          { length: 80 },
          () => Math.floor(random() * 10) * 30_000 + Math.floor(random() * 3000)
        )
        const fibers = yield* Effect.forEach(
          arrivals,
          (at, i) => Effect.fork(Effect.zipRight(Effect.sleep(at), client.get(`/charge-points/${i + 1}`)))
        )
        for (let i = 0; i < 60; i++) yield* TestClock.adjust("10 seconds")
        const responses = yield* Fiber.joinAll(fibers)
        assert.isTrue(responses.every((response) => response.status === 200))
        const sent = yield* Effect.forEach(
          arrivals,
          (_, i) => Effect.map(journalOf("GET", `/charge-points/${i + 1}`), (entries) => entries[0]!.at)
        )
        const windows = serverWindows(sent, 60_000)
        assert.isTrue(windows.every((window) => window.count <= 10), `windows ${windows.map((w) => w.count)}`)
        // the budget is used: a window someone waited through was full
        for (const window of windows) {
          const waitedThrough = arrivals.some((arrival, i) => arrival < window.end && sent[i]! >= window.end)
          if (waitedThrough) assert.strictEqual(window.count, 10)
        }
        assert.strictEqual((yield* fake.counters).status429, 0)
      }).pipe(Effect.provide(clientOnFake({ consumer: smallConsumer }))))
  }
})
