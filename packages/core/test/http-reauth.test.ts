import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { clientOnFake, journalOf, settle } from "./http-fixtures.js"

const renewals = Effect.flatMap(
  MontaFake,
  (fake) => Effect.map(fake.counters, (counters) => counters.tokenRequests + counters.refreshRequests)
)

// One request first, so the budget is known (R1: /auth/me) before the token is revoked.
const warmUp = Effect.flatMap(MontaHttpClient, (client) => client.get("/charge-points/250"))

describe("MontaHttpClient re-authentication", () => {
  it.scoped("H2: a 401 on the current token invalidates it, gets a new one and sends the request once more", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const auth = yield* MontaAuth
      const fake = yield* MontaFake
      yield* warmUp
      const first = yield* auth.accessToken
      yield* fake.revokeAccessToken(Redacted.value(first))
      const response = yield* client.get("/charge-points/1")
      assert.strictEqual(response.status, 200)
      const second = yield* auth.accessToken
      assert.notStrictEqual(Redacted.value(second), Redacted.value(first))
      assert.deepStrictEqual((yield* journalOf("GET", "/charge-points/1")).map((entry) => entry.status), [401, 200])
      assert.strictEqual(yield* renewals, 2)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H2: a second 401 for the same request is a MontaApiError: never a third send, never a loop", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points/1", times: 10, fault: Fault.Status({ status: 401 }) })
      const error = yield* Effect.flip(client.get("/charge-points/1"))
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag === "MontaApiError") assert.strictEqual(error.status, 401)
      assert.strictEqual((yield* journalOf("GET", "/charge-points/1")).length, 2)
      assert.strictEqual(yield* renewals, 2)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H2: 100 concurrent requests on a revoked token cause one renewal and 100 successes", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const auth = yield* MontaAuth
      const fake = yield* MontaFake
      yield* warmUp
      yield* fake.resetJournal
      const first = yield* auth.accessToken
      yield* fake.revokeAccessToken(Redacted.value(first))
      const statuses = yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i + 1),
        (id) => Effect.map(client.get(`/charge-points/${id}`), (response) => response.status),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(statuses, Array.from({ length: 100 }, () => 200))
      // exactly one renewal after the revocation
      assert.strictEqual(yield* renewals, 1)
      const journal = yield* fake.journal
      const resources = journal.filter((entry) => entry.path.startsWith("/charge-points/"))
      assert.strictEqual(resources.filter((entry) => entry.status === 200).length, 100)
      assert.isAtMost(resources.filter((entry) => entry.status === 401).length, 100)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H2: a 401 for a token that is no longer current keeps the new one and retries with it", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const auth = yield* MontaAuth
      const fake = yield* MontaFake
      yield* warmUp
      const first = yield* auth.accessToken
      yield* fake.revokeAccessToken(Redacted.value(first))
      yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Delay({ duration: "5 seconds" }) })
      const request = yield* Effect.fork(client.get("/charge-points/1"))
      yield* settle
      // meanwhile another caller renewed the token
      yield* auth.invalidate(first)
      const second = yield* auth.accessToken
      assert.strictEqual(yield* renewals, 2)
      yield* TestClock.adjust("5 seconds")
      const response = yield* Fiber.join(request)
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual((yield* journalOf("GET", "/charge-points/1")).map((entry) => entry.status), [401, 200])
      assert.strictEqual(yield* renewals, 2)
      assert.strictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(second))
    }).pipe(Effect.provide(clientOnFake())))
})
