/**
 * Fleet mode: several instances of one credential share its tokens and its rate budget through
 * Redis. Only one instance refreshes at a time (a lease), the others adopt the new pair, so the
 * rotating refresh token never breaks; the budget is one window for the whole fleet.
 *
 * Run it with a Redis at REDIS_URL (default redis://127.0.0.1:6379):
 *   npx tsx examples/fleet.ts
 * It serves MontaFake on localhost and starts two instances in this process; in production each
 * instance is its own process or machine with the same layers.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { MontaAuth, MontaHttpClient, MontaRateLimiter } from "@monta-auth/core"
import { RedisRateLimiterStore, RedisTokenStore } from "@monta-auth/redis"
import { MontaFake } from "@monta-auth/testing"
import { Console, Effect, Layer, Redacted, Schema, Stream } from "effect"

const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"
/** Tokens are encrypted at rest in Redis (AES-256-GCM); every instance needs the same key. */
const encryptionKey = Redacted.make(process.env["MONTA_TOKEN_ENCRYPTION_KEY"] ?? "example-key-change-me")

/** The layers of one instance: MontaAuth on the Redis token store, the client on the Redis budget. */
const Instance = (baseUrl: string) =>
  MontaHttpClient.layerRateLimiter().pipe(
    Layer.provideMerge(MontaRateLimiter.layer()),
    Layer.provideMerge(
      MontaAuth.layerWithStore({
        clientId: MontaFake.demoConsumer.clientId,
        clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
        baseUrl
      })
    ),
    Layer.provide(RedisTokenStore.layer({ url: redisUrl, encryptionKey })),
    Layer.provide(RedisRateLimiterStore.layer({ url: redisUrl })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const ChargePoint = Schema.Struct({ id: Schema.Number })

const program = Effect.gen(function*() {
  const fake = yield* MontaFake
  const first = yield* Layer.build(Instance(fake.baseUrl))
  const second = yield* Layer.build(Instance(fake.baseUrl))

  const work = (name: string) =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth
      const token = yield* auth.accessToken
      const count = yield* MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCount)
      return { name, token: Redacted.value(token), count }
    })

  const [a, b] = yield* Effect.all([
    work("instance 1").pipe(Effect.provide(first)),
    work("instance 2").pipe(Effect.provide(second))
  ], { concurrency: "unbounded" })
  const counters = yield* fake.counters
  yield* Console.log(`${a.name}: ${a.count} charge points; ${b.name}: ${b.count} charge points`)
  yield* Console.log(`same access token on both: ${a.token === b.token}`)
  yield* Console.log(`calls to /auth/token for the fleet: ${counters.tokenRequests}`)
})

program.pipe(
  Effect.scoped,
  Effect.provide(MontaFake.layerServer()),
  Effect.runPromise
)
