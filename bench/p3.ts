/**
 * P3: GET /charge-points/{id} through `MontaHttpClient` against the same requests through a bare
 * `HttpClient` with a static bearer header, to the same MontaFake on localhost, 64 in flight.
 *
 * Two setups, each with both clients measured alternately in the same run:
 * - the fake in a process of its own (as a real server is), the target row;
 * - the fake in this process, sharing one event loop with the clients: every request then pays
 *   the server's work too, on the same core, which shows how much of a loaded client's CPU
 *   `MontaHttpClient` adds.
 *
 * And, with no socket at all, the cost per request that `MontaHttpClient` adds on top of the bare
 * client, both on one in-memory `HttpClient` that answers every request with the same response.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { benchConsumer } from "./consumer.js"
import type { Bench, Row } from "./lib.js"
import { axiosPeer, checkRefresh, googlePeer, type Peer, peerBurst } from "./p3-peers.js"
import { authOptions, collect, freePort, median, startFakeProcess } from "./support.js"

const requests = 1_500
const inFlight = 64
const rounds = 12
const warmupRounds = 3
const warmupRequests = 1_000

/** Requests per second of each side, one sample per round, in the order the sides were given. */
interface Measured {
  readonly names: ReadonlyArray<string>
  readonly samples: ReadonlyArray<ReadonlyArray<number>>
  readonly non2xx: number
  /** Refreshes each peer made: proving its refresh path before measuring, and while measuring. */
  readonly peers: ReadonlyArray<{ readonly name: string; readonly checked: number; readonly during: number }>
}

interface Side {
  readonly name: string
  readonly burst: (n: number) => Promise<void>
}

/**
 * The order of the sides in round `round`: a Williams design (0, 1, n-1, 2, n-2, ... shifted by
 * the round), so that over every `n` rounds each side runs in each position once and follows each
 * other side once (what the previous burst left behind, sockets or garbage, favours none).
 */
const order = (n: number, round: number): ReadonlyArray<number> =>
  Array.from({ length: n }, (_, k) => {
    const base = k % 2 === 1 ? (k + 1) / 2 : (n - k / 2) % n
    return (base + round) % n
  })

/**
 * Every side `warmupRounds` times, then `rounds` rounds of every side back to back in the order of
 * `order`, each burst starting after a full collection (when `--expose-gc` allows it).
 */
const interleave = async (sides: ReadonlyArray<Side>): Promise<ReadonlyArray<ReadonlyArray<number>>> => {
  for (let i = 0; i < warmupRounds; i++) {
    for (const side of sides) await side.burst(warmupRequests)
  }
  const samples = sides.map((): Array<number> => [])
  for (let round = 0; round < rounds; round++) {
    for (const index of order(sides.length, round)) {
      await collect()
      const started = process.hrtime.bigint()
      await sides[index]!.burst(requests)
      samples[index]!.push(requests / (Number(process.hrtime.bigint() - started) / 1e9))
    }
  }
  return samples
}

/**
 * MontaHttpClient and the bare client against the fake at `baseUrl`, with `peers` (built against
 * the same `baseUrl`) beside them, interleaved.
 */
const measure = async (
  baseUrl: string,
  fakeLayer: Layer.Layer<never> | Layer.Layer<MontaFake | HttpClient.HttpClient>,
  peers: ReadonlyArray<Peer> = []
): Promise<Measured> => {
  const runtime = ManagedRuntime.make(
    MontaHttpClient.layer({ rateLimit: { limit: 1_000_000_000, window: "10 minutes" } }).pipe(
      Layer.provideMerge(MontaAuth.layer(authOptions(benchConsumer, baseUrl)).pipe(Layer.orDie)),
      Layer.provideMerge(Layer.merge(NodeHttpClient.layerUndici, fakeLayer)),
      Layer.orDie
    )
  )
  try {
    const ours = await runtime.runPromise(MontaHttpClient)
    const token = await runtime.runPromise(Effect.flatMap(MontaAuth, (auth) => auth.accessToken))
    const bare = (await runtime.runPromise(HttpClient.HttpClient)).pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(HttpClientRequest.prependUrl(baseUrl), HttpClientRequest.bearerToken(Redacted.value(token)))
      ),
      HttpClient.filterStatusOk
    )
    let non2xx = 0
    const burst = (client: HttpClient.HttpClient.With<unknown>) => (n: number) =>
      runtime.runPromise(
        Effect.forEach(
          Array.from({ length: n }, (_, i) => (i % 250) + 1),
          (id) =>
            Effect.flatMap(client.get(`/charge-points/${id}`), (response) => {
              if (response.status >= 300) non2xx++
              return response.json
            }),
          { concurrency: inFlight, discard: true }
        ).pipe(Effect.orDie)
      )
    const checked = await Promise.all(peers.map(checkRefresh))
    const before = peers.map((peer) => peer.refreshes())
    const sides: ReadonlyArray<Side> = [
      { name: "MontaHttpClient", burst: burst(ours) },
      { name: "bare HttpClient", burst: burst(bare) },
      ...peers.map((peer): Side => ({ name: peer.name, burst: (n) => peerBurst(peer, n, inFlight) }))
    ]
    const samples = await interleave(sides)
    return {
      names: sides.map((side) => side.name),
      samples,
      non2xx,
      peers: peers.map((peer, i) => ({
        name: peer.name,
        checked: checked[i]!,
        during: peer.refreshes() - before[i]!
      }))
    }
  } finally {
    await runtime.dispose()
  }
}

/** Microseconds per request of each client on a canned in-memory answer, one request at a time. */
const inMemory = async (): Promise<{ readonly ours: number; readonly bare: number }> => {
  const baseUrl = "http://monta.fake/api/v1"
  const headers = {
    "content-type": "application/json",
    "ratelimit-policy": "1000000000;w=600",
    "ratelimit-quota": "1000000000",
    "ratelimit-timewindow": "600",
    "ratelimit-remaining": "999999999",
    "ratelimit-resetsin": "599"
  }
  let answer: HttpClientResponse.HttpClientResponse | undefined
  const canned = HttpClient.make((request) =>
    Effect.sync(() => answer ??= HttpClientResponse.fromWeb(request, new Response("{}", { status: 200, headers })))
  )
  const runtime = ManagedRuntime.make(
    MontaHttpClient.layer({ rateLimit: { limit: 1_000_000_000, window: "10 minutes" } }).pipe(
      Layer.provideMerge(MontaAuth.layer(authOptions(MontaFake.demoConsumer, baseUrl)).pipe(Layer.orDie)),
      Layer.provideMerge(MontaFake.layerTest()),
      Layer.orDie
    )
  )
  try {
    const auth = await runtime.runPromise(MontaAuth)
    const token = await runtime.runPromise(auth.accessToken)
    const ours = await runtime.runPromise(
      Effect.provide(
        MontaHttpClient,
        MontaHttpClient.layer({ rateLimit: { limit: 1_000_000_000, window: "10 minutes" } }).pipe(
          Layer.provide(Layer.succeed(HttpClient.HttpClient, canned)),
          Layer.provide(Layer.succeed(MontaAuth, auth))
        )
      )
    )
    const bare = canned.pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(HttpClientRequest.prependUrl(baseUrl), HttpClientRequest.bearerToken(Redacted.value(token)))
      ),
      HttpClient.filterStatusOk
    )
    const n = 20_000
    const loop = (client: HttpClient.HttpClient.With<unknown>) =>
      runtime.runPromise(
        Effect.gen(function*() {
          for (let i = 0; i < n; i++) yield* client.get(`/charge-points/${(i % 250) + 1}`)
        }).pipe(Effect.orDie)
      )
    const perRequest = async (client: HttpClient.HttpClient.With<unknown>) => {
      const started = process.hrtime.bigint()
      await loop(client)
      return Number(process.hrtime.bigint() - started) / 1e3 / n
    }
    let oursBest = Infinity
    let bareBest = Infinity
    for (let round = 0; round < 12; round++) {
      oursBest = Math.min(oursBest, await perRequest(ours))
      bareBest = Math.min(bareBest, await perRequest(bare))
    }
    return { ours: oursBest, bare: bareBest }
  } finally {
    await runtime.dispose()
  }
}

const fmtList = (values: ReadonlyArray<number>, digits = 0) => values.map((v) => v.toFixed(digits)).join(", ")

/** The per-round ratios of side `a` to side `b` (both measured in each round, back to back). */
const roundRatios = (measured: Measured, a: number, b: number) =>
  measured.samples[a]!.map((x, i) => x / measured.samples[b]![i]!)

const common = (measured: Measured) =>
  `${rounds} rounds of ${requests} requests per client, ${inFlight} in flight, the ${measured.names.length} ` +
  `clients back to back in a balanced order (each in each position and after each other once per ${measured.names.length} rounds), each burst after a full GC, after ${
    warmupRounds * warmupRequests
  } requests of ` +
  `warm-up per client; ours and baseline are medians, ratio is the median of the rounds' ratios (each round's ` +
  `ratio cancels the machine's drift between rounds); bodies read as JSON on every side`

// Side indices in `Measured`: ours, bare, then the peers.
const OURS = 0
const BARE = 1

const oursRow = (metric: string, measured: Measured, target: string, note: string): Row => {
  const ratios = roundRatios(measured, OURS, BARE)
  const ratio = median(ratios)
  return {
    metric,
    ours: median(measured.samples[OURS]!),
    baseline: median(measured.samples[BARE]!),
    unit: "req/s",
    ratio,
    target,
    met: target === "-" ? "info" : ratio >= 0.95,
    note: `${note}; ${common(measured)}; ratios ${fmtList(ratios, 3)}; ours ${fmtList(measured.samples[OURS]!)}; ` +
      `bare ${fmtList(measured.samples[BARE]!)}; bare = the same undici HttpClient with a static bearer; ` +
      `non-2xx answers to ours and bare: ${measured.non2xx}; consumer budget 1e9 per 600 s`
  }
}

/**
 * A peer beside the target row: its throughput (in the `ours` column) against the same bare
 * client, and whether MontaHttpClient is ahead of it (SPEC P3) by the median of the rounds'
 * ours/peer ratios.
 */
const peerRow = (measured: Measured, index: number, how: string): Row => {
  const peer = measured.peers[index - 2]!
  const ratios = roundRatios(measured, index, BARE)
  const ahead = median(roundRatios(measured, OURS, index))
  return {
    metric: `peer: ${peer.name} (peer in ours column), same server`,
    ours: median(measured.samples[index]!),
    baseline: median(measured.samples[BARE]!),
    unit: "req/s",
    ratio: median(ratios),
    target: "ours ahead",
    met: ahead > 1,
    note: `${how}; MontaHttpClient/peer ${ahead.toFixed(3)} (median of the rounds'); ${common(measured)}; ` +
      `peer/bare ratios ${fmtList(ratios, 3)}; peer ${fmtList(measured.samples[index]!)}; refresh path proven ` +
      `before measuring (a spoiled token answered 401, ${peer.checked} refresh through /auth/refresh, the retry ` +
      `succeeded); refreshes while measuring: ${peer.during}`
  }
}

export const p3: Bench = {
  id: "P3",
  title: "MontaHttpClient vs bare HttpClient, google-auth-library and axios-auth-refresh, 64 in flight",
  run: async () => {
    const server = await startFakeProcess()
    let separate: Measured
    try {
      const peers = [
        await googlePeer(server.baseUrl, benchConsumer),
        await axiosPeer(server.baseUrl, benchConsumer)
      ]
      separate = await measure(server.baseUrl, Layer.empty, peers)
    } finally {
      await server.stop()
    }
    const port = await freePort()
    const shared = await measure(
      `http://127.0.0.1:${port}/api/v1`,
      MontaFake.layerServer({ consumers: [benchConsumer], journalLimit: 100, port }).pipe(Layer.orDie)
    )
    const memory = await inMemory()
    return [
      oursRow(
        "GET /charge-points/{id} throughput, fake in its own process",
        separate,
        ">= 0.95",
        "MontaFake served by a child process on 127.0.0.1, as a real server is; the peers below ran against " +
          "the same process, interleaved with these two"
      ),
      peerRow(
        separate,
        2,
        "OAuth2Client.request (gaxios, its default node-fetch on Node's keep-alive global agent) with the fake's " +
          "pair as cached credentials {access_token, expiry_date} and a refreshHandler rotating through " +
          "/auth/refresh (forceRefreshOnFailure: a 401 calls it too); no Google endpoint reached"
      ),
      peerRow(
        separate,
        3,
        "axios (http adapter, Node's keep-alive global agent) with a request interceptor attaching the bearer and " +
          "axios-auth-refresh on 401 rotating through /auth/refresh and retrying"
      ),
      oursRow(
        "the same, fake in this process (one event loop for both)",
        shared,
        "-",
        "MontaFake served in the benchmark's own process: every request also pays the server's work on " +
          "the same core, so the ratio is the share of a saturated client's CPU that MontaHttpClient adds " +
          "(informational, not the SPEC setup of a server elsewhere)"
      ),
      {
        metric: "time per request in memory (no socket): what MontaHttpClient adds",
        ours: memory.ours,
        baseline: memory.bare,
        unit: "µs",
        ratio: memory.bare / memory.ours,
        target: "-",
        met: "info",
        note: `one request at a time on an in-memory HttpClient answering every request with one canned ` +
          `200 (RateLimit-* headers included), best of 12 rounds of 20 000; MontaHttpClient adds ` +
          `${(memory.ours - memory.bare).toFixed(1)} µs a request (budget take and observe, token, retry ` +
          `bookkeeping, metric); ratio is bare/ours`
      }
    ]
  }
}
