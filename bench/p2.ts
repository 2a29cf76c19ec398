/**
 * P2: 10 000 concurrent callers on an expired token, MontaFake served on localhost over real
 * sockets: how many requests reach the token endpoints, and the longest wait of any caller (from its
 * call to its token) against one bare `/auth/token` round trip to the same fake in the same run,
 * and against a minimal single flight (one Deferred, no MontaAuth) of the same 10 000 callers.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { MontaAuth, StoredToken, TokenStore } from "@monta-auth/core"
import { TokenPair } from "@monta-auth/schema"
import { MontaFake } from "@monta-auth/testing"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { benchConsumer } from "./consumer.js"
import type { Bench, Row } from "./lib.js"
import { authOptions, median, millisSince } from "./support.js"

const callers = 10_000
const samples = 7
const roundTrips = 9

/**
 * A memory store holding a pair whose access and refresh tokens both expired an hour ago (what a
 * restart after a long pause finds): the callers need `/auth/token`.
 */
const expiredStore = Effect.gen(function*() {
  const store = yield* TokenStore.makeMemory
  const past = Date.now() - 3_600_000
  const pair = new TokenPair({
    accessToken: Redacted.make("expired-access-token"),
    refreshToken: Redacted.make("expired-refresh-token"),
    accessTokenExpirationDate: DateTime.unsafeMake(past),
    refreshTokenExpirationDate: DateTime.unsafeMake(past)
  })
  yield* store.save(
    new StoredToken({
      clientId: benchConsumer.clientId,
      pair,
      accessExpiresAt: past,
      refreshExpiresAt: past,
      obtainedAt: past - 3_600_000,
      version: 1
    }),
    { expectedVersion: 0 }
  )
  return store
})

export const p2: Bench = {
  id: "P2",
  title: "10 000 callers on an expired token (localhost sockets)",
  run: async () => {
    const runtime = ManagedRuntime.make(
      MontaFake.layerServer({ consumers: [benchConsumer], journalLimit: 100 }).pipe(Layer.orDie)
    )
    try {
      const fake = await runtime.runPromise(MontaFake)
      const client = await runtime.runPromise(HttpClient.HttpClient)

      // Baseline: one POST /auth/token with a plain HttpClient, body read, as MontaAuth does it.
      const tokenCall = client.execute(
        HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${fake.baseUrl}/auth/token`), {
          clientId: benchConsumer.clientId,
          clientSecret: benchConsumer.clientSecret
        })
      )
      const bareRoundTrip = Effect.gen(function*() {
        const started = process.hrtime.bigint()
        const response = yield* tokenCall
        yield* response.json
        return millisSince(started)
      }).pipe(Effect.scoped)

      // Baseline: the least any single flight in Effect can do. The first of 10 000 callers sends
      // one bare POST /auth/token; every caller awaits one Deferred that its answer completes.
      const minimalSingleFlight = Effect.gen(function*() {
        const answer = yield* Deferred.make<unknown>()
        let sent = false
        const waits = new Float64Array(callers)
        const calls = Array.from({ length: callers }, (_, i) =>
          Effect.suspend(() => {
            const called = process.hrtime.bigint()
            const send = sent ? Effect.void : Effect.forkDaemon(Effect.suspend(() => {
              return Deferred.complete(
                answer,
                Effect.orDie(Effect.scoped(Effect.flatMap(tokenCall, (response) => response.json)))
              )
            }))
            sent = true
            return send.pipe(
              Effect.zipRight(Deferred.await(answer)),
              Effect.map(() => {
                waits[i] = millisSince(called)
              })
            )
          }))
        yield* Effect.all(calls, { concurrency: "unbounded", discard: true })
        return Math.max(...waits)
      }).pipe(Effect.orDie)

      const oneSample = Effect.gen(function*() {
        const store = yield* expiredStore
        const auth = yield* MontaAuth.make(authOptions(benchConsumer, fake.baseUrl)).pipe(
          Effect.provideService(TokenStore, store)
        )
        const before = yield* fake.counters
        // Each caller times its own wait: from its call to its token.
        const waits = new Float64Array(callers)
        const calls = Array.from({ length: callers }, (_, i) =>
          Effect.suspend(() => {
            const called = process.hrtime.bigint()
            return Effect.map(auth.accessToken, (token) => {
              waits[i] = millisSince(called)
              return token
            })
          }))
        const started = process.hrtime.bigint()
        const tokens = yield* Effect.all(calls, { concurrency: "unbounded" })
        const wall = millisSince(started)
        const elapsed = Math.max(...waits)
        const after = yield* fake.counters
        // The floor: the same 10 000 callers once the token is cached (fork and join, no I/O).
        const floorStarted = process.hrtime.bigint()
        yield* Effect.all(calls, { concurrency: "unbounded" })
        const floor = millisSince(floorStarted)
        // The same fork and join of 10 000 fibers without MontaAuth: Effect's own cost.
        const bare = Array.from({ length: callers }, () => Effect.succeed(1))
        const bareStarted = process.hrtime.bigint()
        yield* Effect.all(bare, { concurrency: "unbounded" })
        const bareFibers = millisSince(bareStarted)
        return {
          elapsed,
          wall,
          floor,
          bareFibers,
          tokenRequests: after.tokenRequests - before.tokenRequests,
          refreshRequests: after.refreshRequests - before.refreshRequests,
          distinct: new Set(tokens.map(Redacted.value)).size
        }
      }).pipe(Effect.scoped)

      // Warm up both paths (connection pool, JIT), then alternate baseline and ours.
      await runtime.runPromise(bareRoundTrip)
      await runtime.runPromise(oneSample)
      await runtime.runPromise(minimalSingleFlight)
      const trips: Array<number> = []
      const minimal: Array<number> = []
      const results: Array<
        {
          elapsed: number
          wall: number
          floor: number
          bareFibers: number
          tokenRequests: number
          refreshRequests: number
          distinct: number
        }
      > = []
      for (let i = 0; i < samples; i++) {
        for (let j = 0; j < Math.ceil(roundTrips / samples); j++) trips.push(await runtime.runPromise(bareRoundTrip))
        results.push(await runtime.runPromise(oneSample))
        minimal.push(await runtime.runPromise(minimalSingleFlight))
      }

      const roundTrip = median(trips)
      const elapsed = median(results.map((r) => r.elapsed))
      const maxTokenRequests = Math.max(...results.map((r) => r.tokenRequests + r.refreshRequests))
      const allOneToken = results.every((r) => r.distinct === 1)
      const rows: ReadonlyArray<Row> = [
        {
          metric: "token endpoint requests for 10 000 callers",
          ours: maxTokenRequests,
          unit: "requests",
          ratio: maxTokenRequests,
          target: "1",
          met: maxTokenRequests === 1 && allOneToken,
          note: `worst of ${samples} samples; /auth/token ${results.map((r) => r.tokenRequests).join(",")}, ` +
            `/auth/refresh ${results.map((r) => r.refreshRequests).join(",")}; every caller got the same ` +
            `token: ${allOneToken}`
        },
        {
          metric: "longest wait of any of the 10 000 callers",
          ours: elapsed,
          baseline: roundTrip,
          unit: "ms",
          ratio: elapsed / roundTrip,
          target: "reported",
          met: "info",
          note: `each caller timed from its call to its token, the longest of 10 000; median of ${samples} ` +
            `samples (each: ${results.map((r) => r.elapsed.toFixed(1)).join(", ")} ms); ` +
            `baseline: median of ${trips.length} bare POST /auth/token round trips on the same ` +
            `HttpClient (${trips.map((t) => t.toFixed(1)).join(", ")} ms); the stored pair's access and ` +
            `refresh tokens expired an hour ago; wall time of the whole Effect.all (forking 10 000 fibers ` +
            `included): median ${median(results.map((r) => r.wall)).toFixed(1)} ms; floor (same 10 000 callers on ` +
            `the cached token, no I/O): ` +
            `median ${median(results.map((r) => r.floor)).toFixed(1)} ms; Effect.all of 10 000 bare Effect.succeed, ` +
            `unbounded: median ${median(results.map((r) => r.bareFibers)).toFixed(1)} ms`
        },
        {
          metric: "longest wait vs a minimal single flight",
          ours: elapsed,
          baseline: median(minimal),
          unit: "ms",
          ratio: elapsed / median(minimal),
          target: "<= 1.25",
          met: elapsed <= 1.25 * median(minimal),
          note: `the same 10 000 callers where the first sends one bare POST /auth/token and every caller ` +
            `awaits one Deferred (no MontaAuth): median of ${samples} (each: ` +
            `${minimal.map((m) => m.toFixed(1)).join(", ")} ms); what is left above the round trip is Effect ` +
            `scheduling 10 000 fibers on one core, not the single flight`
        }
      ]
      return rows
    } finally {
      await runtime.dispose()
    }
  }
}
