import { assert, describe, it } from "@effect/vitest"
import { MontaCredentials, type MontaCredentialsOptions, MontaHttpClient } from "@monta-auth/core"
import { type ConsumerInput, MontaFake } from "@monta-auth/testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { settle } from "./http-fixtures.js"

// SPEC section 12. A read-only credential (one scope) and one that may also write charge points.
const reader: ConsumerInput = { clientId: "reader-id", clientSecret: "reader-secret", scopes: ["charge-points:read"] }
const writer: ConsumerInput = {
  clientId: "writer-id",
  clientSecret: "writer-secret",
  scopes: ["charge-points:write", "charges:write"]
}
const wallets: ConsumerInput = {
  clientId: "wallets-id",
  clientSecret: "wallets-secret",
  scopes: ["wallet-transactions:read"]
}

const DAY_MINUTES = Number(process.env["DAY_MINUTES"] ?? 24 * 60)

const ChargePoint = Schema.Struct({ id: Schema.Number })

const credentialOf = (consumer: ConsumerInput) => ({
  clientId: consumer.clientId,
  clientSecret: Redacted.make(consumer.clientSecret)
})

const onFake = (options: Partial<MontaCredentialsOptions> = {}) =>
  MontaHttpClient.layerCredentials().pipe(
    Layer.provideMerge(
      MontaCredentials.layer({
        // The writer first: declaration order must not make it win a read (fewest grants first).
        credentials: { writer: credentialOf(writer), reader: credentialOf(reader) },
        baseUrl: "http://monta.fake/api/v1",
        allowInsecure: true,
        ...options
      }).pipe(Layer.orDie)
    ),
    Layer.provideMerge(MontaFake.layerTest({ consumers: [reader, writer, wallets] }))
  )

const clientIdsOf = (method: string, path: string) =>
  Effect.map(
    Effect.flatMap(MontaFake, (fake) => fake.journal),
    (entries) =>
      entries.filter((entry) => entry.method === method && entry.path === path).map((entry) => entry.clientId)
  )

describe("MontaCredentials (SPEC section 12)", () => {
  it.scoped("C1: each named credential has its own token; get of an unknown name is UnknownCredential", () =>
    Effect.gen(function*() {
      const credentials = yield* MontaCredentials
      const r = yield* credentials.get("reader")
      const w = yield* credentials.get("writer")
      assert.strictEqual(r.name, "reader")
      assert.strictEqual(r.clientId, "reader-id")
      const tokens = [Redacted.value(yield* r.accessToken), Redacted.value(yield* w.accessToken)]
      assert.notStrictEqual(tokens[0], tokens[1])
      // The same token again, without I/O.
      assert.strictEqual(Redacted.value(yield* r.accessToken), tokens[0])
      assert.deepStrictEqual(yield* credentials.names, ["writer", "reader"])
      const unknown = yield* Effect.flip(credentials.get("nobody"))
      assert.strictEqual(unknown._tag, "UnknownCredential")
      assert.include(unknown.message, "nobody")
    }).pipe(Effect.provide(onFake())))

  it.scoped("C2: forScope picks the fewest grants, then declaration order; InsufficientScope when none grants", () =>
    Effect.gen(function*() {
      const credentials = yield* MontaCredentials
      assert.strictEqual((yield* credentials.forScope("charge-points:read")).name, "reader")
      assert.strictEqual((yield* credentials.forScope("charge-points:write")).name, "writer")
      const none = yield* Effect.flip(credentials.forScope("wallet-transactions:read"))
      assert.strictEqual(none._tag, "InsufficientScope")
      // Scopes were learned from /consumers/me, once per credential, and are described.
      const described = yield* credentials.describe
      assert.deepStrictEqual(described.map((info) => [info.name, info.clientId, info.scopes]), [
        ["writer", "writer-id", ["charge-points:write", "charges:write"]],
        ["reader", "reader-id", ["charge-points:read"]]
      ])
      const fake = yield* MontaFake
      const meRequests = (yield* fake.counters).meRequests
      yield* credentials.forScope("charge-points:read")
      assert.strictEqual((yield* fake.counters).meRequests, meRequests)
      // Ties go to the one declared first.
      yield* credentials.add("reader2", credentialOf(reader))
      assert.strictEqual((yield* credentials.forScope("charge-points:read")).name, "reader")
    }).pipe(Effect.provide(onFake())))

  it.scoped("C2: declared scopes choose without asking /consumers/me", () =>
    Effect.gen(function*() {
      const credentials = yield* MontaCredentials
      assert.strictEqual((yield* credentials.forScope("charge-points:read")).name, "reader")
      assert.strictEqual((yield* Effect.flatMap(MontaFake, (fake) => fake.counters)).meRequests, 0)
    }).pipe(Effect.provide(onFake({
      credentials: {
        writer: { ...credentialOf(writer), scopes: writer.scopes },
        reader: { ...credentialOf(reader), scopes: reader.scopes }
      }
    }))))

  it.scoped("C1: add and remove at run time; a removed credential's service answers MontaAuthClosed", () =>
    Effect.gen(function*() {
      const credentials = yield* MontaCredentials
      yield* credentials.add("wallets", credentialOf(wallets))
      assert.strictEqual((yield* credentials.forScope("wallet-transactions:read")).name, "wallets")
      const held = yield* credentials.get("wallets")
      yield* held.accessToken
      const duplicate = yield* Effect.flip(credentials.add("wallets", credentialOf(wallets)))
      assert.strictEqual(duplicate._tag, "InvalidOptions")
      const padded = yield* Effect.flip(credentials.add("x", { clientId: " x", clientSecret: Redacted.make("s") }))
      assert.strictEqual(padded.option, "credentials.x.clientId")
      yield* credentials.remove("wallets")
      assert.strictEqual((yield* Effect.flip(held.accessToken))._tag, "MontaAuthClosed")
      assert.strictEqual((yield* Effect.flip(credentials.remove("wallets")))._tag, "UnknownCredential")
      assert.strictEqual(
        (yield* Effect.flip(credentials.forScope("wallet-transactions:read")))._tag,
        "InsufficientScope"
      )
    }).pipe(Effect.provide(onFake())))

  it.scoped("C1: an idle credential is released and rebuilt from the store: no new /auth/token", () =>
    Effect.gen(function*() {
      const credentials = yield* MontaCredentials
      const fake = yield* MontaFake
      const r = yield* credentials.get("reader")
      const first = Redacted.value(yield* r.accessToken)
      const tokenRequests = (yield* fake.counters).tokenRequests
      // Past the idle time to live: the MontaAuth (and its refresh fiber) is gone.
      yield* TestClock.adjust("2 minutes")
      yield* settle
      assert.strictEqual(Redacted.value(yield* r.accessToken), first)
      assert.strictEqual((yield* fake.counters).tokenRequests, tokenRequests)
    }).pipe(Effect.provide(onFake({ idleTimeToLive: "1 minute", refreshIdle: false }))))

  it.scoped("C1: events are labelled by the credential's name", () =>
    Effect.gen(function*() {
      const credentials = yield* MontaCredentials
      const all = yield* credentials.events.pipe(Stream.take(2), Stream.runCollect, Effect.fork)
      const own = yield* Effect.flatMap(credentials.get("reader"), (r) =>
        Effect.fork(Stream.runCollect(Stream.take(r.events, 1))))
      yield* settle
      yield* Effect.flatMap(credentials.get("writer"), (w) =>
        w.accessToken)
      yield* Effect.flatMap(credentials.get("reader"), (r) => r.accessToken)
      const events = Chunk.toReadonlyArray(yield* Fiber.join(all))
      assert.deepStrictEqual(events.map((e) => [e.name, e.event._tag]), [["writer", "Acquired"], [
        "reader",
        "Acquired"
      ]])
      assert.strictEqual(Chunk.toReadonlyArray(yield* Fiber.join(own))[0]?._tag, "Acquired")
    }).pipe(Effect.provide(onFake())))
})

describe("MontaHttpClient.layerCredentials (C3)", () => {
  it.scoped("C3: a read goes with the read-only credential, a write with the one that may write", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      assert.strictEqual((yield* client.get("/charge-points/1")).status, 200)
      yield* client.post("/charge-points").pipe(Effect.ignore)
      assert.deepStrictEqual(yield* clientIdsOf("GET", "/charge-points/1"), ["reader-id"])
      assert.deepStrictEqual(yield* clientIdsOf("POST", "/charge-points"), ["writer-id"])
    }).pipe(Effect.provide(onFake())))

  it.scoped("C3: a request no credential may make is refused locally with InsufficientScope", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      const error = yield* Effect.flip(client.get("/wallet-transactions"))
      assert.strictEqual(error._tag, "InsufficientScope")
      if (error._tag !== "InsufficientScope") return
      assert.strictEqual(error.method, "GET")
      assert.strictEqual(error.path, "/wallet-transactions")
      assert.strictEqual((yield* clientIdsOf("GET", "/wallet-transactions")).length, 0)
      const counters = yield* fake.counters
      assert.strictEqual(counters.requests, counters.meRequests + counters.tokenRequests)
    }).pipe(Effect.provide(onFake())))

  it.scoped("C3: a request or a region may name its credential", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      yield* client.get("/charge-points/1").pipe(MontaHttpClient.withCredential("writer"))
      yield* Effect.all([client.get("/charge-points/2"), client.get("/charge-points/3")]).pipe(
        MontaHttpClient.withCredential("writer")
      )
      assert.deepStrictEqual(yield* clientIdsOf("GET", "/charge-points/1"), ["writer-id"])
      assert.deepStrictEqual(yield* clientIdsOf("GET", "/charge-points/3"), ["writer-id"])
      const unknown = yield* Effect.flip(client.get("/charge-points/1").pipe(MontaHttpClient.withCredential("nobody")))
      assert.strictEqual(unknown._tag, "UnknownCredential")
    }).pipe(Effect.provide(onFake())))

  it.scoped("C3: the client pages like MontaHttpClient (paginateWith), with the read-only credential", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const items = yield* MontaHttpClient.paginateWith(client, "/charge-points", ChargePoint, { perPage: 2 }).pipe(
        Stream.take(5),
        Stream.runCollect
      )
      assert.strictEqual(Chunk.size(items), 5)
      assert.deepStrictEqual(new Set(yield* clientIdsOf("GET", "/charge-points")), new Set(["reader-id"]))
    }).pipe(Effect.provide(onFake())))
})

describe("idle credentials (C5)", () => {
  it.scoped(
    "C5: released credentials are kept fresh by one scheduler: refreshed before expiry, valid on next use",
    () =>
      Effect.gen(function*() {
        const credentials = yield* MontaCredentials
        const fake = yield* MontaFake
        const first = new Map<string, string>()
        for (const name of ["writer", "reader"]) {
          first.set(name, Redacted.value(yield* Effect.flatMap(credentials.get(name), (auth) => auth.accessToken)))
        }
        // Released after a minute unused; then a simulated day (tokens live an hour).
        for (let minute = 0; minute < DAY_MINUTES; minute++) {
          yield* TestClock.adjust("1 minute")
          yield* settle
        }
        const counters = yield* fake.counters
        assert.strictEqual(counters.tokenRequests, 2, "no acquisition after the first: only refreshes")
        // Each credential refreshed at least once an hour, and not more than twice an hour.
        assert.isAtLeast(counters.refreshRequests, 2 * 24)
        assert.isAtMost(counters.refreshRequests, 2 * 48)
        for (const name of ["writer", "reader"]) {
          const auth = yield* credentials.get(name)
          const current = yield* auth.current
          assert.notStrictEqual(Redacted.value(current.accessToken), first.get(name))
          assert.isAbove(current.expiresAt - (yield* TestClock.currentTimeMillis), 5 * 60_000)
        }
        assert.strictEqual((yield* fake.counters).refreshRequests, counters.refreshRequests, "valid at once on use")
      }).pipe(Effect.provide(onFake({ idleTimeToLive: "1 minute" }))),
    60_000
  )

  it.scoped("C5: refreshIdle false: an idle credential makes no request until it is used", () =>
    Effect.gen(function*() {
      const credentials = yield* MontaCredentials
      const fake = yield* MontaFake
      yield* Effect.flatMap(credentials.get("reader"), (auth) => auth.accessToken)
      for (let minute = 0; minute < 3 * 60; minute++) {
        yield* TestClock.adjust("1 minute")
        yield* settle
      }
      assert.strictEqual((yield* fake.counters).refreshRequests, 0)
      yield* Effect.flatMap(credentials.get("reader"), (auth) => auth.accessToken)
      const counters = yield* fake.counters
      // Both tokens of the pair are still alive... or only the access token expired: one request.
      assert.strictEqual(counters.refreshRequests + counters.tokenRequests, 2)
    }).pipe(Effect.provide(onFake({ idleTimeToLive: "1 minute", refreshIdle: false }))))
})
