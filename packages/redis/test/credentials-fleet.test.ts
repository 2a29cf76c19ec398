import type * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import { MontaCredentials, MontaHttpClient } from "@monta-auth/core"
import { type ConsumerInput, MontaFake } from "@monta-auth/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { RedisFleet, RedisRateLimiterStore, RedisTokenStore } from "../src/index.js"
import { adminRedis, redisUrl, testKey, uniquePrefix } from "./support/fleet.js"

// SPEC section 12, C4: a fleet of programs, each holding the same set of credentials, shares one
// lease, one stored pair and one rate budget per credential (Redis keys by client id).
const reader: ConsumerInput = {
  clientId: "fleet-reader-id",
  clientSecret: "fleet-reader-secret",
  scopes: ["charge-points:read"],
  rateLimit: 10,
  rateLimitIntervalInSeconds: 600
}
const writer: ConsumerInput = {
  clientId: "fleet-writer-id",
  clientSecret: "fleet-writer-secret",
  scopes: ["charge-points:read", "charge-points:write"],
  rateLimit: 10,
  rateLimitIntervalInSeconds: 600
}
const credentialOf = (consumer: ConsumerInput) => ({
  clientId: consumer.clientId,
  clientSecret: Redacted.make(consumer.clientSecret),
  scopes: consumer.scopes
})

/** One program of the fleet: its own runtime and Redis connections, the shared fake. */
const program = (keyPrefix: string, fake: Layer.Layer<MontaFake | HttpClient.HttpClient>) =>
  ManagedRuntime.make(
    MontaHttpClient.layerCredentialsWithStore({ rateLimit: { limit: 10, window: Duration.minutes(10) } }).pipe(
      Layer.provideMerge(
        MontaCredentials.layerWithStore({
          credentials: { reader: credentialOf(reader), writer: credentialOf(writer) },
          baseUrl: "http://monta.fake/api/v1",
          allowInsecure: true
        })
      ),
      Layer.provide(RedisFleet.layer({ url: redisUrl(), keyPrefix, encryptionKey: testKey })),
      Layer.provideMerge(fake),
      Layer.orDie
    )
  )

describe("MontaCredentials in fleet mode (C4)", () => {
  it.scopedLive(
    "C4: 4 programs with the same two credentials: one /auth/token and one budget per credential",
    () =>
      Effect.gen(function*() {
        const keyPrefix = uniquePrefix()
        const context = yield* Layer.build(MontaFake.layerTest({ consumers: [reader, writer] }))
        const fake = Layer.succeedContext(context)
        const programs = Array.from({ length: 4 }, () => program(keyPrefix, fake))
        yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all(programs.map((p) => p.dispose()))))

        // Every program reads (the reader's turn) and writes (the writer's), all at once.
        const work = Effect.gen(function*() {
          const client = yield* MontaHttpClient
          yield* client.get("/charge-points/1")
          yield* client.post("/charge-points").pipe(Effect.ignore)
        })
        yield* Effect.promise(() => Promise.all(programs.map((p) => p.runPromise(work))))

        const counters = yield* Effect.flatMap(MontaFake, (f) => f.counters).pipe(Effect.provide(context))
        assert.strictEqual(counters.tokenRequests, 2, "one /auth/token per credential for the whole fleet")
        const journal = yield* Effect.flatMap(MontaFake, (f) => f.journal).pipe(Effect.provide(context))
        const sentBy = (method: string, path: string) =>
          journal.filter((entry) => entry.method === method && entry.path === path).map((entry) => entry.clientId)
        assert.deepStrictEqual(new Set(sentBy("GET", "/charge-points/1")), new Set([reader.clientId]))
        assert.deepStrictEqual(new Set(sentBy("POST", "/charge-points")), new Set([writer.clientId]))

        // The stored pairs and the budgets live under each client id, shared by the four programs.
        const redis = yield* adminRedis()
        for (const consumer of [reader, writer]) {
          const stored = yield* Effect.promise(() =>
            redis.hgetall(RedisTokenStore.keys(consumer.clientId, keyPrefix).token)
          )
          assert.strictEqual(stored.version, "1", `${consumer.clientId}: one pair, version 1`)
          const used = yield* Effect.promise(() =>
            redis.hget(RedisRateLimiterStore.key(consumer.clientId, keyPrefix), "count")
          )
          assert.strictEqual(used, "4", `${consumer.clientId}: the fleet's 4 requests in one budget`)
        }
      }),
    { timeout: 60_000 }
  )
})
