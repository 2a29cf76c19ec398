import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { authOnFake, settle } from "./fixtures.js"

/** Every event of `auth.events` from now on, in order, for the rest of the test's scope. */
const recordEvents = Effect.gen(function*() {
  const auth = yield* MontaAuth
  const events: Array<AuthEvent> = []
  yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
  yield* settle
  return events
})

const failures = (events: ReadonlyArray<AuthEvent>) =>
  events.flatMap((event) => event._tag === "RefreshFailed" ? [event] : [])

describe("RefreshFailed names its endpoint", () => {
  it.scoped("L12: a failing first acquisition is a RefreshFailed of /auth/token, then Acquired", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const events = yield* recordEvents
      yield* fake.injectFault({ path: "/auth/token", times: 2, fault: Fault.Status({ status: 503, retryAfter: 1 }) })
      const fiber = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(events.map((event) => event._tag), ["RefreshFailed", "RefreshFailed", "Acquired"])
      assert.deepStrictEqual(failures(events).map((event) => [event.endpoint, event.attempt]), [
        ["/auth/token", 1],
        ["/auth/token", 2]
      ])
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L12: refused credentials and a malformed login answer are failures of /auth/token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const events = yield* recordEvents
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.MalformedBody() })
      yield* Effect.flip(auth.accessToken)
      yield* fake.revokeConsumer(MontaFake.demoConsumer.clientId)
      yield* Effect.flip(auth.accessToken)
      yield* settle
      const failed = failures(events)
      assert.strictEqual(failed.length, 2)
      assert.deepStrictEqual(failed.map((event) => event.endpoint), ["/auth/token", "/auth/token"])
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("L12: a failing proactive refresh is a RefreshFailed of /auth/refresh", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* auth.accessToken
      const events = yield* recordEvents
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Status({ status: 503, retryAfter: 3 }) })
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.MalformedBody() })
      yield* TestClock.adjust("56 minutes")
      yield* settle
      yield* TestClock.adjust("1 minute")
      yield* settle
      const failed = failures(events)
      assert.isAtLeast(failed.length, 2)
      assert.deepStrictEqual(failed.slice(0, 2).map((event) => event.endpoint), ["/auth/refresh", "/auth/refresh"])
      assert.include(events.map((event) => event._tag), "Refreshed")
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))
})
