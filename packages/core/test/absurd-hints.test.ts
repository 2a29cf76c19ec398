import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { clientOnFake, eventually, journalOf } from "./http-fixtures.js"

/** The demo consumer's budget: 1000 requests per 600 s. */
const windowMillis = 600_000

describe("absurd server hints (L14)", () => {
  const hints = [
    { name: "RateLimit-ResetsIn: 1e12", fault: Fault.Status({ status: 429, rateLimitResetsIn: 1e12 }) },
    { name: "Retry-After: 1e12", fault: Fault.Status({ status: 429, retryAfter: 1e12 }) }
  ]
  for (const { fault, name } of hints) {
    it.scoped(`section 11: a 429 with ${name} pauses no longer than the window, and says it clamped`, () =>
      Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        const client = yield* MontaHttpClient
        const events: Array<AuthEvent> = []
        yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
        yield* client.get("/charge-points/2")
        yield* fake.injectFault({ path: "/charge-points/1", fault })
        const request = yield* Effect.fork(client.get("/charge-points/1"))
        yield* eventually(
          Effect.map(journalOf("GET", "/charge-points/1"), (entries) => entries.length === 1),
          "the first attempt"
        )
        // One window (and the header's second of precision) later the request has gone again.
        yield* TestClock.adjust(windowMillis + 1_000)
        const response = yield* Fiber.join(request)
        assert.strictEqual(response.status, 200)
        const sent = (yield* journalOf("GET", "/charge-points/1")).map((entry) => entry.status)
        assert.deepStrictEqual(sent, [429, 200])
        const pause = events.find((event) => event._tag === "RateLimitPaused")
        assert.isDefined(pause)
        if (pause?._tag === "RateLimitPaused") {
          assert.isAtMost(pause.until, windowMillis + 1_000)
          assert.include(pause.reason, "clamped")
        }
      }).pipe(Effect.provide(clientOnFake())))
  }
})
