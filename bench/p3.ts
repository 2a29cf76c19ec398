/**
 * P3: GET /charge-points/{id} through `MontaHttpClient` against the same requests through a bare
 * `HttpClient` with a static bearer header, to the same MontaFake served on localhost, 64 in flight.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import type { Bench, Row } from "./lib.js"
import { benchConsumer } from "./p2.js"
import { authOptions, freePort } from "./support.js"

const requests = 2_000
const inFlight = 64
const rounds = 5

export const p3: Bench = {
  id: "P3",
  title: "MontaHttpClient vs bare HttpClient, 64 in flight (localhost sockets)",
  run: async () => {
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}/api/v1`
    const runtime = ManagedRuntime.make(
      MontaHttpClient.layer({ rateLimit: { limit: 1_000_000_000, window: "10 minutes" } }).pipe(
        Layer.provideMerge(MontaAuth.layer(authOptions(benchConsumer, baseUrl)).pipe(Layer.orDie)),
        Layer.provideMerge(MontaFake.layerServer({ consumers: [benchConsumer], journalLimit: 100, port })),
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
      const fake = await runtime.runPromise(MontaFake)

      const burst = (client: HttpClient.HttpClient.With<unknown>, n: number) =>
        runtime.runPromise(
          Effect.forEach(
            Array.from({ length: n }, (_, i) => (i % 250) + 1),
            (id) => Effect.flatMap(client.get(`/charge-points/${id}`), (response) => response.json),
            { concurrency: inFlight, discard: true }
          ).pipe(Effect.orDie)
        )
      const throughput = async (client: HttpClient.HttpClient.With<unknown>) => {
        const started = process.hrtime.bigint()
        await burst(client, requests)
        return requests / (Number(process.hrtime.bigint() - started) / 1e9)
      }

      await burst(ours, 500)
      await burst(bare, 500)
      const before = await runtime.runPromise(fake.counters)
      const oursSamples: Array<number> = []
      const bareSamples: Array<number> = []
      for (let round = 0; round < rounds; round++) {
        oursSamples.push(await throughput(ours))
        bareSamples.push(await throughput(bare))
      }
      const after = await runtime.runPromise(fake.counters)
      const oursBest = Math.max(...oursSamples)
      const bareBest = Math.max(...bareSamples)
      const ratio = oursBest / bareBest
      const non2xx = Object.entries(after.byStatus)
        .filter(([status]) => Number(status) >= 300)
        .reduce((n, [status, count]) => n + count - (before.byStatus[Number(status)] ?? 0), 0)
      const rows: ReadonlyArray<Row> = [
        {
          metric: "GET /charge-points/{id} throughput",
          ours: oursBest,
          baseline: bareBest,
          unit: "req/s",
          ratio,
          target: ">= 0.95",
          met: ratio >= 0.95,
          note: `${requests} requests per sample, ${inFlight} in flight, best of ${rounds} alternating samples ` +
            `(ours ${oursSamples.map(Math.round).join(", ")}; bare ${bareSamples.map(Math.round).join(", ")}); ` +
            `bodies read as JSON on both sides; bare = same undici HttpClient with a static bearer; ` +
            `non-2xx answers during measurement: ${non2xx}; consumer budget 1e9 per 600 s`
        }
      ]
      return rows
    } finally {
      await runtime.dispose()
    }
  }
}
