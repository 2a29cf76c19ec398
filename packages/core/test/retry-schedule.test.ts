/**
 * Issue 10 item 7 / SPEC L7, H5: one retry policy as a `Schedule`, and a user's own. Which failures
 * are retried at all is not a matter of policy: only transient ones (idempotent methods for the
 * HTTP client), a 401 once, a 429 through the budget, and never sooner than the server asked.
 */
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { authOnFake } from "./fixtures.js"
import { clientOnFake, journalOf } from "./http-fixtures.js"

describe("the retry Schedule (L7, H5)", () => {
  it.scoped("L7: a Schedule of one's own bounds the auth endpoint's retries (recurs(1): two attempts, then TokenRequestFailed)", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 5, fault: Fault.Status({ status: 503 }) })
      const error = yield* Effect.flip(auth.accessToken)
      assert.strictEqual(error._tag, "TokenRequestFailed")
      if (error._tag === "TokenRequestFailed") assert.strictEqual(error.attempts, 2)
      assert.strictEqual((yield* journalOf("POST", "/auth/token")).length, 2)
    }).pipe(Effect.provide(authOnFake({ retry: Schedule.recurs(1) }))))

  it.scoped("L7: the default policy keeps retrying the same faults until one succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 3, fault: Fault.Status({ status: 503 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(caller)
      assert.strictEqual((yield* journalOf("POST", "/auth/token")).length, 4)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("L7: a user's Schedule still waits for the server's Retry-After", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 1, fault: Fault.Status({ status: 503, retryAfter: 5 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual((yield* journalOf("POST", "/auth/token")).length, 1, "not before Retry-After")
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(caller)
      assert.strictEqual((yield* journalOf("POST", "/auth/token")).length, 2)
    }).pipe(Effect.provide(authOnFake({ retry: Schedule.spaced("1 millis") }))))

  it.scoped("H5: recurs(0) turns transient retries off, but a 401 still re-authenticates once", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const client = yield* MontaHttpClient
      yield* fake.injectFault({ path: "/charge-points/1", times: 1, fault: Fault.Status({ status: 503 }) })
      const failed = yield* Effect.flip(client.get("/charge-points/1"))
      assert.strictEqual(failed._tag, "MontaApiError")
      assert.strictEqual((yield* journalOf("GET", "/charge-points/1")).length, 1)
      yield* fake.injectFault({ path: "/charge-points/2", times: 1, fault: Fault.Status({ status: 401 }) })
      const response = yield* client.get("/charge-points/2")
      assert.strictEqual(response.status, 200)
      assert.strictEqual((yield* journalOf("GET", "/charge-points/2")).length, 2)
    }).pipe(Effect.provide(clientOnFake({ client: { retry: Schedule.recurs(0) } }))))

  it.scoped("H5: a POST is never retried on a 503, whatever the Schedule", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const client = yield* MontaHttpClient
      yield* fake.injectFault({ path: "/charge-points", times: 1, fault: Fault.Status({ status: 503 }) })
      const failed = yield* Effect.flip(client.post("/charge-points"))
      assert.strictEqual(failed._tag, "MontaApiError")
      assert.strictEqual((yield* journalOf("POST", "/charge-points")).length, 1)
    }).pipe(Effect.provide(clientOnFake({ client: { retry: Schedule.forever } }))))
})
