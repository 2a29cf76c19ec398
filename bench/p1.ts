/**
 * P1: the cached `accessToken` in one Effect loop, against the same loop of a bare
 * `Effect.succeed` and against google-auth-library's cached `OAuth2Client.getAccessToken()`.
 */
import { MontaAuth } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { OAuth2Client } from "google-auth-library"
import { type Bench, opsPerSecond, type Row } from "./lib.js"
import { authOptions } from "./support.js"

const iterations = 1_000_000
const samples = 6

export const p1: Bench = {
  id: "P1",
  title: "cached accessToken vs bare Effect.succeed vs google-auth-library",
  run: async () => {
    const runtime = ManagedRuntime.make(
      MontaAuth.layer(authOptions()).pipe(Layer.orDie, Layer.provideMerge(MontaFake.layerTest()))
    )
    try {
      const auth = await runtime.runPromise(MontaAuth)
      // The first token comes from the in-memory fake; every measured call is on the cached path.
      const token = await runtime.runPromise(auth.accessToken)
      const before = await runtime.runPromise(Effect.flatMap(MontaFake, (fake) => fake.counters))

      const cached = (n: number) =>
        runtime.runPromise(Effect.gen(function*() {
          for (let i = 0; i < n; i++) yield* auth.accessToken
        }))
      const bareEffect = Effect.succeed(token)
      const bare = (n: number) =>
        runtime.runPromise(Effect.gen(function*() {
          for (let i = 0; i < n; i++) yield* bareEffect
        }))

      const google = new OAuth2Client()
      google.setCredentials({ access_token: Redacted.value(token), expiry_date: Date.now() + 365 * 24 * 3_600_000 })
      const googleLoop = async (n: number) => {
        for (let i = 0; i < n; i++) await google.getAccessToken()
      }

      // Interleaved sample by sample so that machine noise hits each side alike; the best counts.
      let ours = 0
      let bareOps = 0
      let googleOps = 0
      for (let sample = 0; sample < samples; sample++) {
        ours = Math.max(ours, await opsPerSecond(cached, { iterations, samples: 1 }))
        bareOps = Math.max(bareOps, await opsPerSecond(bare, { iterations, samples: 1 }))
        googleOps = Math.max(googleOps, await opsPerSecond(googleLoop, { iterations, samples: 1 }))
      }

      const after = await runtime.runPromise(Effect.flatMap(MontaFake, (fake) => fake.counters))
      const io = after.requests - before.requests
      const vsBare = ours / bareOps
      const vsGoogle = ours / googleOps
      const rows: ReadonlyArray<Row> = [
        {
          metric: "cached accessToken vs Effect.succeed loop",
          ours,
          baseline: bareOps,
          unit: "ops/s",
          ratio: vsBare,
          target: ">= 0.3",
          met: vsBare >= 0.3 && io === 0,
          note:
            `${iterations} iterations per sample, best of ${samples} interleaved samples; the bare loop yields one ` +
            `hoisted Effect.succeed; requests to the fake during measurement: ${io}. Public APIs only (L2): ` +
            "Effect.suspend(() => valid ? exit : slow) costs the runtime two instructions (the suspend, then " +
            "the Exit) where the generator takes a yielded Exit inline; measured alone on this machine " +
            "Effect.suspend is ~0.24 of the bare loop, an Effectable commit ~0.23, Effect.sync (which cannot " +
            "branch to the slow path) ~0.52"
        },
        {
          metric: "cached accessToken vs google-auth-library",
          ours,
          baseline: googleOps,
          unit: "ops/s",
          ratio: vsGoogle,
          target: "reported (SPEC P1)",
          met: "info",
          note: "google: OAuth2Client.getAccessToken() awaited in an async loop, credentials " +
            "{access_token, expiry_date a year ahead} so it never does I/O"
        }
      ]
      return rows
    } finally {
      await runtime.dispose()
    }
  }
}
