import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth } from "@monta-auth/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

const hour = 60 * 60_000
const day = 24 * hour

/**
 * An auth server whose token dates are right (one hour, one day from the Effect Clock's now) but
 * whose `Date` header says `date`.
 */
const serverWithDate = (date: (now: number) => number) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(Effect.clock, (clock) =>
      HttpClient.make((request) =>
        Effect.sync(() => {
          const now = clock.unsafeCurrentTimeMillis()
          const body = JSON.stringify({
            accessToken: `access-${now}`,
            refreshToken: `refresh-${now}`,
            accessTokenExpirationDate: new Date(now + hour).toISOString(),
            refreshTokenExpirationDate: new Date(now + day).toISOString()
          })
          return HttpClientResponse.fromWeb(
            request,
            new Response(body, {
              status: 200,
              headers: { "content-type": "application/json", date: new Date(date(now)).toUTCString() }
            })
          )
        })
      ))
  )

const authOn = (date: (now: number) => number) =>
  MontaAuth.layer({
    clientId: "client",
    clientSecret: Redacted.make("s3cret-value"),
    baseUrl: "https://api.example/api/v1",
    jitter: 0
  }).pipe(Layer.orDie, Layer.provide(serverWithDate(date)))

describe("Date header sanity (L9, L14)", () => {
  const cases = [
    { name: "a Date of 1970", date: () => 0 },
    { name: "a Date ten years ahead", date: (now: number) => now + 10 * 365 * day }
  ]
  for (const { date, name } of cases) {
    it.scoped(`section 11: ${name}: expiry anchored to the local send time, said in an event`, () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.UTC(2026, 0, 1))
        const auth = yield* MontaAuth
        const events = yield* auth.events.pipe(Stream.take(2), Stream.runCollect, Effect.fork)
        yield* Effect.yieldNow()
        const sent = yield* TestClock.currentTimeMillis
        const current = yield* auth.current
        // One hour from the send, as the token's own dates say: not 56 years, not "already expired".
        assert.strictEqual(current.expiresAt, sent + hour)
        const seen = Chunk.toArray(yield* Fiber.join(events)) as ReadonlyArray<AuthEvent>
        assert.deepStrictEqual(seen.map((event) => event._tag), ["DateHeaderIgnored", "Acquired"])
        // Refreshed before the real expiry.
        yield* TestClock.adjust("56 minutes")
        const after = yield* auth.current
        assert.isAbove(after.version, current.version)
        assert.isAbove(after.expiresAt, sent + hour)
      }).pipe(Effect.provide(authOn(date))))
  }

  it.scoped("L9: a sane Date is trusted: anchored at the end of its second, no event", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 0, 1))
      const auth = yield* MontaAuth
      const events = yield* auth.events.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* Effect.yieldNow()
      const sent = yield* TestClock.currentTimeMillis
      const current = yield* auth.current
      assert.strictEqual(current.expiresAt, sent + hour - 1_000)
      const seen = Chunk.toArray(yield* Fiber.join(events)) as ReadonlyArray<AuthEvent>
      assert.deepStrictEqual(seen.map((event) => event._tag), ["Acquired"])
    }).pipe(Effect.provide(authOn((now) => now))))
})
