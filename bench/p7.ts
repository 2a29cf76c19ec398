/**
 * P7: 10 000 credentials in one `MontaCredentials` (SPEC section 12, C5). Each is added at run
 * time and used once (all in the same minute, as at a start), then left idle: the heap each idle
 * credential costs, and the fibers left; then one simulated day in which the idle credentials'
 * pairs are kept fresh by the scheduler: the busiest minute of refreshes against the mean minute.
 *
 * The server is a stateless responder in memory (a new pair for every `/auth/token` and
 * `/auth/refresh`, one-hour access tokens, a `Date` header from the same clock), so that the heap
 * holds only the client's state: MontaFake keeps every pair it issued. Time is a `ManualClock`
 * (TestClock's semantics, shared by every fiber).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { MontaCredentials } from "@monta-auth/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"
import type { Bench, Row } from "./lib.js"
import { collect, gcExposed, ManualClock } from "./support.js"

const credentials = Number(process.env.P7_CREDENTIALS ?? 10_000)
const accessLifeMillis = 3_600_000
const refreshLifeMillis = 24 * 3_600_000
const dayMinutes = 24 * 60

interface Counts {
  token: number
  refresh: number
  /** `/auth/refresh` calls by minute of the clock. */
  readonly refreshByMinute: Map<number, number>
}

const responder = (clock: ManualClock, counts: Counts) =>
  HttpClient.make((request) =>
    Effect.sync(() => {
      const now = clock.unsafeCurrentTimeMillis()
      const path = new URL(request.url).pathname
      if (path.endsWith("/auth/refresh")) {
        counts.refresh++
        const minute = Math.floor(now / 60_000)
        counts.refreshByMinute.set(minute, (counts.refreshByMinute.get(minute) ?? 0) + 1)
      } else {
        counts.token++
      }
      const serial = counts.token + counts.refresh
      const body = JSON.stringify({
        accessToken: `access-${serial}-${now}`,
        refreshToken: `refresh-${serial}-${now}`,
        accessTokenExpirationDate: new Date(now + accessLifeMillis).toISOString(),
        refreshTokenExpirationDate: new Date(now + refreshLifeMillis).toISOString()
      })
      return HttpClientResponse.fromWeb(
        request,
        new Response(body, {
          status: 200,
          headers: { "content-type": "application/json", date: new Date(now).toUTCString() }
        })
      )
    })
  )

const run = (metricLabels: "name" | "none", simulateDay: boolean) =>
  Effect.gen(function*() {
    const clock = new ManualClock(20)
    const counts: Counts = { token: 0, refresh: 0, refreshByMinute: new Map() }
    const supervisor = yield* Supervisor.track
    // What the program holds anyway: the credentials it will add (names, ids, secrets).
    const inputs = Array.from({ length: credentials }, (_, i) => ({
      name: `operator-${i}`,
      credential: { clientId: `client-${i}`, clientSecret: Redacted.make(`secret-${i}-${"x".repeat(24)}`) }
    }))
    const program = Effect.gen(function*() {
      const service = yield* MontaCredentials
      const fibersEmpty = (yield* supervisor.value).length
      const heapEmpty = yield* Effect.promise(collect)
      for (const { credential, name } of inputs) yield* service.add(name, credential)
      yield* Effect.forEach(
        inputs,
        ({ name }) => Effect.flatMap(service.get(name), (auth) => auth.accessToken),
        { concurrency: 100, discard: true }
      )
      const heapLive = yield* Effect.promise(collect)
      const fibersLive = (yield* supervisor.value).length
      // Past the idle time to live (10 minutes): every credential is released to the scheduler.
      yield* clock.advance("11 minutes")
      const heapIdle = yield* Effect.promise(collect)
      const fibersIdle = (yield* supervisor.value).length
      const startMinute = Math.floor(clock.unsafeCurrentTimeMillis() / 60_000)
      const tokenAtStart = counts.token
      if (simulateDay) { for (let minute = 0; minute < dayMinutes; minute++) yield* clock.advance("1 minute") }
      const perMinute = Array.from({ length: dayMinutes }, (_, i) => counts.refreshByMinute.get(startMinute + i) ?? 0)
      return {
        heapEmpty,
        heapLive,
        heapIdle,
        fibersEmpty,
        fibersLive,
        fibersIdle,
        perMinute,
        tokensDuringDay: counts.token - tokenAtStart,
        acquisitions: tokenAtStart
      }
    }).pipe(
      Effect.provide(
        MontaCredentials.layer({
          credentials: {},
          baseUrl: "http://monta.bench/api/v1",
          allowInsecure: true,
          metricLabels
        }).pipe(Layer.orDie, Layer.provide(Layer.succeed(HttpClient.HttpClient, responder(clock, counts))))
      )
    )
    return yield* Effect.supervised(program, supervisor).pipe(Effect.withClock(clock))
  })

export const p7: Bench = {
  id: "P7",
  title: "10 000 credentials: heap per idle credential, refreshes over a simulated day",
  run: async () => {
    const result = await Effect.runPromise(run("name", true))
    const unlabelled = await Effect.runPromise(run("none", false))
    const perIdleUnlabelled = (unlabelled.heapIdle - unlabelled.heapEmpty) / credentials
    const perIdle = (result.heapIdle - result.heapEmpty) / credentials
    const perLive = (result.heapLive - result.heapEmpty) / credentials
    const total = result.perMinute.reduce((sum, n) => sum + n, 0)
    const mean = total / result.perMinute.length
    const busiest = Math.max(...result.perMinute)
    const busiestAt = result.perMinute.indexOf(busiest)
    const gc = gcExposed() ? "global.gc run before each heap reading" : "global.gc NOT exposed: heap readings are noisy"
    const rows: ReadonlyArray<Row> = [
      {
        metric: "heap per idle credential",
        ours: perIdle / 1024,
        baseline: perLive / 1024,
        unit: "KiB",
        ratio: perIdle / 4096,
        target: "<= 4 KiB",
        met: perIdle <= 4096,
        note: `${gc}; (heap after ${credentials} credentials were added, each used once and then left idle past ` +
          `the idle time to live) - (heap of the empty service, the inputs already held), / ${credentials}; ` +
          `baseline = the same while every credential was live (its MontaAuth built): ${
            (perLive / 1024).toFixed(1)
          } KiB; ratio = ours / 4 KiB; counts the stored pair in the memory store and each credential's metric keys`
      },
      {
        metric: "heap per idle credential, metricLabels none",
        ours: perIdleUnlabelled / 1024,
        baseline: perIdle / 1024,
        unit: "KiB",
        ratio: perIdleUnlabelled / 4096,
        target: "<= 4 KiB",
        met: perIdleUnlabelled <= 4096,
        note: "the same with the metrics of every credential in shared series (metricLabels: \"none\"); " +
          "baseline = the default, a series per credential and metric (Effect's registry keeps each for good)"
      },
      {
        metric: "live fibers: empty / all live / all idle",
        ours: result.fibersIdle,
        baseline: result.fibersEmpty,
        unit: "fibers",
        ratio: result.fibersIdle - result.fibersEmpty,
        target: "no fiber per idle credential",
        met: result.fibersIdle - result.fibersEmpty < 10,
        note:
          `Supervisor.track over the program: ${result.fibersEmpty} with no credential, ${result.fibersLive} with ` +
          `${credentials} live, ${result.fibersIdle} with all idle (the scheduler); ratio = idle - empty`
      },
      {
        metric: "busiest minute of refreshes vs the mean minute",
        ours: busiest,
        baseline: mean,
        unit: "refreshes",
        ratio: busiest / mean,
        target: "<= 2",
        met: busiest / mean <= 2 && result.tokensDuringDay === 0,
        note:
          `${total} /auth/refresh over ${dayMinutes} simulated minutes after the start (${
            (total / credentials).toFixed(1)
          } per credential; one-hour tokens, 5-minute margin, jitter the whole margin); busiest minute ${busiestAt}; ` +
          `${result.acquisitions} /auth/token at the start (all in the first minute), ${result.tokensDuringDay} during ` +
          "the day; each credential's first idle refresh falls at a uniformly random point of its pair's usable life"
      }
    ]
    return rows
  }
}
