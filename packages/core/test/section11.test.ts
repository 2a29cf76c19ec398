/**
 * SPEC section 11, the reliability matrix: one test per row, each named with the row's own words
 * (fault, then what must hold), so a reader can lay this file beside the table. Rows that other
 * files prove in more depth (by rule id) are proven here again, briefly, through public APIs only:
 * `MontaAuth`, `MontaHttpClient`, `TokenStore.makeSimple`, the `events` stream and `MontaFake`.
 * The webhook row is in `packages/webhooks/test/section11.test.ts`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient, TokenStore } from "@monta-auth/core"
import { Fault, MontaFake, type MontaFakeOptions } from "@monta-auth/testing"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import { authOnFake, demoOptions, settle } from "./fixtures.js"
import { failureRenderings, recordingLogger, recordingTracer } from "./fixtures/recorders.js"

const clientId = MontaFake.demoConsumer.clientId
const clientSecret = MontaFake.demoConsumer.clientSecret
const minute = 60_000
/** The demo consumer's rate window: 1000 requests per 600 s. */
const windowMillis = 600_000

/** When the fake answered each request to `path`, on the TestClock. */
const timesOf = (path: string) =>
  Effect.flatMap(
    MontaFake,
    (fake) => Effect.map(fake.journal, (journal) => journal.filter((entry) => entry.path === path).map((e) => e.at))
  )

const gapsOf = (times: ReadonlyArray<number>) => times.slice(1).map((time, i) => time - times[i]!)

/** Lets forked fibers run until they block, `rounds` times over. */
const settleLong = Effect.gen(function*() {
  for (let i = 0; i < 10; i++) yield* settle
})

type Rewrite = (
  response: HttpClientResponse.HttpClientResponse
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.ResponseError>

/** MontaHttpClient on MontaAuth on the in-memory fake; `rewrite` may change what the fake answers. */
const clientLayer = (
  options: {
    readonly rewrite?: Rewrite | undefined
    readonly auth?: Parameters<typeof demoOptions>[0]
    readonly fake?: MontaFakeOptions | undefined
  } = {}
) => {
  const rewrite = options.rewrite
  const wire = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(
      HttpClient.HttpClient,
      (inner) => rewrite === undefined ? inner : HttpClient.transformResponse(inner, Effect.flatMap(rewrite))
    )
  )
  return MontaHttpClient.layer({ retry: { times: 0 } }).pipe(
    Layer.provideMerge(MontaAuth.layer(demoOptions(options.auth)).pipe(Layer.orDie)),
    Layer.provide(wire),
    Layer.provideMerge(MontaFake.layerTest(options.fake))
  )
}

/** The response with its body changed by `body` and `headers` set. */
const rebuilt = (
  response: HttpClientResponse.HttpClientResponse,
  options: { readonly headers?: Record<string, string>; readonly body?: (text: string) => string }
) =>
  Effect.map(response.text, (text) =>
    HttpClientResponse.fromWeb(
      response.request,
      new Response(options.body === undefined || text === "" ? text : options.body(text), {
        status: response.status,
        headers: { ...response.headers, ...options.headers }
      })
    ))

describe("SPEC section 11: reliability matrix", () => {
  it.scoped("5xx bursts on /auth/token: retried with backoff (growing gaps) until a token is served", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 4, fault: Fault.Status({ status: 503 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("20 seconds")
      const token = yield* Fiber.join(caller)
      assert.strictEqual(Redacted.value(token), (yield* fake.tokensOf(clientId))[0]!.accessToken)
      const gaps = gapsOf(yield* timesOf("/auth/token"))
      assert.strictEqual(gaps.length, 4)
      for (let i = 1; i < gaps.length; i++) assert.isAtLeast(gaps[i]!, gaps[i - 1]!, `gaps ${gaps.join(", ")}`)
      assert.isAbove(gaps[0]!, 0)
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("5xx bursts on /auth/refresh: retried with backoff; old token served while valid", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const first = Redacted.value(yield* auth.accessToken)
      yield* fake.injectFault({ path: "/auth/refresh", times: 5, fault: Fault.Status({ status: 500 }) })
      yield* TestClock.adjust("55 minutes")
      for (let second = 0; second < 3; second++) {
        yield* settle
        assert.strictEqual(Redacted.value(yield* auth.accessToken), first, "the old token while the refresh fails")
        yield* TestClock.adjust("1 second")
      }
      yield* TestClock.adjust("1 minute")
      yield* settleLong
      const gaps = gapsOf(yield* timesOf("/auth/refresh"))
      assert.strictEqual(gaps.length, 5)
      for (let i = 1; i < gaps.length; i++) assert.isAtLeast(gaps[i]!, gaps[i - 1]!, `gaps ${gaps.join(", ")}`)
      assert.notStrictEqual(Redacted.value(yield* auth.accessToken), first)
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("dropped connections, timeouts: same as above (retried with backoff; old token served while valid)", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      // On /auth/token: two dropped connections, then an answer slower than the request timeout.
      yield* fake.injectFault({ path: "/auth/token", times: 2, fault: Fault.Drop() })
      yield* fake.injectFault({ path: "/auth/token", times: 1, fault: Fault.Delay({ duration: "1 minute" }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("10 seconds")
      const first = Redacted.value(yield* Fiber.join(caller))
      // On /auth/refresh: the same, while the old token is still valid.
      yield* fake.injectFault({ path: "/auth/refresh", times: 2, fault: Fault.Drop() })
      yield* fake.injectFault({ path: "/auth/refresh", times: 1, fault: Fault.Delay({ duration: "1 minute" }) })
      yield* TestClock.adjust(54 * minute + 50_000)
      // Until the refresh succeeds, every caller gets the old token at once.
      let failing = 0
      for (let step = 0; step < 40; step++) {
        yield* settle
        const refreshed = (yield* fake.journal).some((entry) => entry.path === "/auth/refresh" && entry.status === 200)
        if (!refreshed && (yield* fake.counters).dropped > 2) failing++
        if (!refreshed) assert.strictEqual(Redacted.value(yield* auth.accessToken), first)
        yield* TestClock.adjust("500 millis")
      }
      assert.isAtLeast(failing, 3, "callers were served while the refresh failed")
      yield* TestClock.adjust("1 minute")
      yield* settleLong
      assert.notStrictEqual(Redacted.value(yield* auth.accessToken), first)
      const counters = yield* fake.counters
      assert.strictEqual(counters.dropped, 4)
      // The slow answers were cut off by the 2 s request timeout: one success of each, after them.
      const tokens = yield* timesOf("/auth/token")
      const refreshes = yield* timesOf("/auth/refresh")
      assert.isAtLeast(tokens[tokens.length - 1]!, 2_000)
      assert.isAtLeast(refreshes[refreshes.length - 1]! - refreshes[0]!, 2_000)
    }).pipe(Effect.provide(authOnFake({ jitter: 0, requestTimeout: "2 seconds" }))))

  it.scoped("malformed or empty JSON: MalformedResponse, no secret in its message (nor a token over 16 KiB)", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const long = `long-${"x".repeat(20_000)}`
      const faults = [
        Fault.MalformedBody(),
        Fault.EmptyBody(),
        Fault.WrongShape(),
        // H9: a token longer than the cap (16 KiB) does not decode.
        Fault.Status({
          status: 200,
          body: {
            accessToken: long,
            refreshToken: "fine-refresh-token",
            accessTokenExpirationDate: "2030-01-01T00:00:00Z",
            refreshTokenExpirationDate: "2030-01-02T00:00:00Z"
          }
        })
      ]
      for (const fault of faults) {
        yield* fake.injectFault({ path: "/auth/token", fault })
        const error = yield* Effect.flip(auth.accessToken)
        assert.strictEqual(error._tag, "MalformedResponse", fault._tag)
        for (const text of [error.message, String(error), JSON.stringify(error), inspect(error)]) {
          assert.notInclude(text, clientSecret)
          assert.notInclude(text, "xxxxxxxxxxxxxxxx")
        }
      }
      assert.strictEqual((yield* fake.counters).tokenRequests, faults.length)
      yield* auth.accessToken
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("429 on auth endpoints: waits for Retry-After/RateLimit-ResetsIn", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 429, retryAfter: 7 }) })
      const caller = yield* Effect.fork(auth.accessToken)
      yield* TestClock.adjust("6900 millis")
      yield* settle
      assert.isNull(caller.unsafePoll(), "still waiting before Retry-After")
      yield* TestClock.adjust("100 millis")
      const first = Redacted.value(yield* Fiber.join(caller))
      assert.deepStrictEqual(yield* timesOf("/auth/token"), [0, 7_000])
      yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Status({ status: 429, rateLimitResetsIn: 20 }) })
      yield* TestClock.adjust("55 minutes")
      yield* settleLong
      yield* TestClock.adjust("18 seconds")
      yield* settleLong
      assert.strictEqual(Redacted.value(yield* auth.accessToken), first)
      assert.strictEqual((yield* timesOf("/auth/refresh")).length, 1, "no refresh before RateLimit-ResetsIn")
      yield* TestClock.adjust("5 seconds")
      yield* settleLong
      const refreshes = yield* timesOf("/auth/refresh")
      assert.strictEqual(refreshes.length, 2)
      assert.isAtLeast(refreshes[1]! - refreshes[0]!, 20_000)
      assert.notStrictEqual(Redacted.value(yield* auth.accessToken), first)
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("refresh token revoked or expired: falls back to /auth/token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* auth.accessToken
      yield* fake.revokeRefreshToken((yield* fake.tokensOf(clientId))[0]!.refreshToken)
      yield* TestClock.adjust("56 minutes")
      yield* settleLong
      let counters = yield* fake.counters
      assert.strictEqual(counters.rejectedRefreshes, 1, "revoked: /auth/refresh refused once")
      assert.strictEqual(counters.tokenRequests, 2, "then /auth/token")
      // Expired by its own date: a refresh token shorter-lived than the access token.
      yield* fake.setTokenLifetimes({ access: "1 hour", refresh: "30 minutes" })
      yield* auth.invalidate()
      yield* auth.accessToken
      yield* fake.resetJournal
      yield* TestClock.adjust("56 minutes")
      yield* settleLong
      counters = yield* fake.counters
      assert.strictEqual(counters.refreshRequests, 0, "an expired refresh token is not sent")
      assert.strictEqual(counters.tokenRequests, 1)
      assert.strictEqual(counters.rejectedTokens, 0)
    }).pipe(Effect.provide(authOnFake({ jitter: 0 }))))

  it.scoped("credentials revoked: InvalidCredentials, fail fast during cool-down, recovers when restored", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.revokeConsumer(clientId)
      assert.strictEqual((yield* Effect.flip(auth.accessToken))._tag, "InvalidCredentials")
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* Effect.flip(auth.accessToken))._tag, "InvalidCredentials")
      assert.strictEqual((yield* fake.counters).tokenRequests, 1, "no request during the cool-down")
      yield* fake.restoreConsumer(clientId)
      yield* TestClock.adjust("21 seconds")
      const token = yield* auth.accessToken
      assert.strictEqual(Redacted.value(token), (yield* fake.tokensOf(clientId))[0]!.accessToken)
      assert.strictEqual((yield* fake.counters).tokenRequests, 2)
    }).pipe(Effect.provide(authOnFake())))

  for (const offset of ["2 hours", "-2 hours"] as const) {
    it.scoped(`server clock 2 h ahead or behind (${offset}): refresh still happens before real expiry`, () =>
      Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        const client = yield* MontaHttpClient
        yield* fake.setClockOffset(offset)
        yield* auth.accessToken
        yield* TestClock.adjust("59 minutes")
        yield* settleLong
        const refreshes = yield* timesOf("/auth/refresh")
        assert.strictEqual(refreshes.length, 1)
        assert.isBelow(refreshes[0]!, 60 * minute)
        for (let hour = 0; hour < 4; hour++) {
          assert.strictEqual((yield* client.get("/charge-points/1")).status, 200)
          yield* TestClock.adjust("1 hour")
          yield* settleLong
        }
        const counters = yield* fake.counters
        assert.strictEqual(counters.rejectedTokens, 0, "no request with an expired token")
        assert.strictEqual(counters.rejectedRefreshes, 0)
        assert.strictEqual(counters.tokenRequests, 1)
      }).pipe(Effect.provide(clientLayer({ auth: { jitter: 0 } }))))
  }

  it.scoped("server issues an already-expired token: no tight loop; bounded retries", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      yield* fake.injectFault({ path: "/auth/token", times: 10_000, fault: Fault.ExpiredToken() })
      yield* fake.injectFault({ path: "/auth/refresh", times: 10_000, fault: Fault.ExpiredToken() })
      const caller = yield* Effect.fork(Effect.flip(auth.accessToken))
      yield* TestClock.adjust("31 seconds")
      const error = yield* Fiber.join(caller)
      assert.strictEqual(error._tag, "TokenRequestFailed")
      const requests = Effect.map(fake.counters, (counters) => counters.tokenRequests + counters.refreshRequests)
      const after = yield* requests
      assert.isAtLeast(after, 2)
      assert.isAtMost(after, 12, "bounded retries")
      yield* TestClock.adjust("10 minutes")
      yield* settleLong
      assert.strictEqual(yield* requests, after, "nothing keeps asking in the background")
    }).pipe(Effect.provide(authOnFake())))

  it.scoped("100 concurrent 401s for one token: one refresh", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const client = yield* MontaHttpClient
      const token = Redacted.value(yield* auth.accessToken)
      yield* fake.revokeAccessToken(token)
      const statuses = yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) => Effect.map(client.get(`/charge-points/${(i % 5) + 1}`), (response) => response.status),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(new Set(statuses), new Set([200]))
      const counters = yield* fake.counters
      assert.strictEqual(counters.rejectedTokens, 100)
      assert.strictEqual(counters.refreshRequests + counters.tokenRequests - 1, 1, "one renewal")
    }).pipe(Effect.provide(clientLayer())))

  it.effect("scope close during a refresh: no leaked fiber, no unhandled error", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const supervisor = yield* Supervisor.track
      const lines: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => lines.push(`${logLevel.label} ${String(message)}`))
      const scope = yield* Scope.make()
      yield* Effect.gen(function*() {
        const auth = yield* MontaAuth.make(demoOptions({ jitter: 0 })).pipe(Scope.extend(scope))
        yield* auth.accessToken
        yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Delay({ duration: "1 minute" }) })
        yield* TestClock.adjust("55 minutes")
        yield* settle
      }).pipe(
        Effect.supervised(supervisor),
        Effect.provide(Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(LogLevel.All)))
      )
      assert.strictEqual((yield* timesOf("/auth/refresh")).length, 0, "the refresh is in flight")
      yield* Scope.close(scope, Exit.void)
      yield* settle
      assert.deepStrictEqual((yield* supervisor.value).map((fiber) => fiber.id()), [], "no fiber left")
      assert.deepStrictEqual(lines.filter((line) => /unhandled|ERROR|FATAL/i.test(line)), [])
      yield* TestClock.adjust("2 hours")
      yield* settle
      assert.strictEqual((yield* fake.counters).tokenRequests, 1, "nothing runs after the close")
    }).pipe(Effect.provide(Layer.merge(MontaFake.layerTest(), TokenStore.layerMemory))))

  it.effect("a caller after the scope closed: a typed error at once", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const auth = yield* MontaAuth.make(demoOptions()).pipe(Scope.extend(scope))
      yield* auth.accessToken
      yield* Scope.close(scope, Exit.void)
      // At once: no TestClock adjustment, the fiber never suspends on time.
      const exit = yield* Effect.exit(auth.accessToken)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      assert.strictEqual(Option.map(error, (e) => e._tag).pipe(Option.getOrUndefined), "MontaAuthClosed")
    }).pipe(Effect.provide(Layer.merge(MontaFake.layerTest(), TokenStore.layerMemory))))

  for (const hang of ["load", "save"] as const) {
    it.scoped(
      `a token store whose ${hang} never returns: the token is served from memory; callers get a token within the request timeout`,
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const store = yield* TokenStore.makeSimple({
            load: () => hang === "load" ? Effect.never : Effect.succeed(Option.none()),
            save: () => hang === "save" ? Effect.never : Effect.void,
            clear: () => Effect.void
          })
          const auth = yield* MontaAuth.make(demoOptions()).pipe(Effect.provideService(TokenStore, store))
          const callers = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.fork(auth.accessToken))
          yield* settle
          // The request timeout (30 s by default) bounds every caller; the store's own bound is 5 s.
          yield* TestClock.adjust("30 seconds")
          const tokens = yield* Effect.forEach(callers, Fiber.join)
          assert.strictEqual(new Set(tokens.map(Redacted.value)).size, 1)
          assert.strictEqual((yield* fake.counters).tokenRequests, 1)
          assert.strictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(tokens[0]!), "from memory")
          assert.strictEqual((yield* fake.counters).tokenRequests, 1)
        }).pipe(Effect.provide(MontaFake.layerTest()))
    )
  }

  const absurd: ReadonlyArray<readonly [string, Record<string, string>]> = [
    ["Retry-After 1e12", { "retry-after": "1e12" }],
    ["RateLimit-ResetsIn 1e12", { "ratelimit-resetsin": "1e12", "ratelimit-remaining": "0" }],
    ["RateLimit-ResetsIn negative", { "ratelimit-resetsin": "-30", "ratelimit-remaining": "0" }],
    ["Retry-After negative", { "retry-after": "-30" }],
    ["Retry-After a date in 9999", { "retry-after": "Fri, 31 Dec 9999 23:59:59 GMT" }]
  ]
  for (const [name, headers] of absurd) {
    it.scoped(
      `Retry-After / RateLimit-ResetsIn absurd (${name}): clamped to the window; no caller waits longer than the window`,
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const client = yield* MontaHttpClient
          yield* client.get("/charge-points/2")
          yield* fake.injectFault({ path: "/charge-points/1", fault: Fault.Status({ status: 429 }) })
          const request = yield* Effect.fork(client.get("/charge-points/1"))
          const other = yield* Effect.fork(client.get("/charge-points/3"))
          yield* settleLong
          yield* TestClock.adjust(windowMillis + 1_000)
          yield* settleLong
          assert.strictEqual((yield* Fiber.join(request)).status, 200)
          assert.strictEqual((yield* Fiber.join(other)).status, 200)
          const sent = (yield* fake.journal).filter((entry) => entry.path === "/charge-points/1")
          assert.deepStrictEqual(sent.map((entry) => entry.status), [429, 200])
        }).pipe(Effect.provide(clientLayer({
          rewrite: (response) => response.status === 429 ? rebuilt(response, { headers }) : Effect.succeed(response)
        })))
    )
  }

  const offsets: ReadonlyArray<readonly [string, number]> = [
    ["1970", -Date.UTC(2026, 0, 1)],
    ["30 years ahead", 30 * 365 * 24 * 60 * minute]
  ]
  for (const [name, offset] of offsets) {
    it.scoped(
      `a Date header decades off the token's dates (${name}): the local send time anchors expiry; refreshed before real expiry`,
      () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(Date.UTC(2026, 0, 1))
          const fake = yield* MontaFake
          const client = yield* MontaHttpClient
          const auth = yield* MontaAuth
          const first = Redacted.value(yield* auth.accessToken)
          // Not taken for expired (a Date ahead) nor for living decades (a Date behind).
          yield* TestClock.adjust("1 minute")
          assert.strictEqual(Redacted.value(yield* auth.accessToken), first)
          yield* TestClock.adjust("58 minutes")
          yield* settleLong
          assert.strictEqual((yield* timesOf("/auth/refresh")).length, 1, "refreshed before the hour")
          assert.notStrictEqual(Redacted.value(yield* auth.accessToken), first)
          assert.strictEqual((yield* client.get("/charge-points/1")).status, 200)
          assert.strictEqual((yield* fake.counters).rejectedTokens, 0)
          assert.strictEqual((yield* fake.counters).tokenRequests, 1)
        }).pipe(Effect.provide(clientLayer({
          auth: { jitter: 0 },
          rewrite: (response) =>
            response.request.url.includes("/auth/")
              ? rebuilt(response, {
                headers: { date: new Date(Date.parse(response.headers["date"] ?? "") + offset).toUTCString() }
              })
              : Effect.succeed(response)
        })))
    )
  }

  it.scoped(
    "a server that echoes the secret or token in its error text: the echoed value is not in any error, log or span",
    () => {
      const { spans, tracer } = recordingTracer()
      const { lines, logger } = recordingLogger()
      const texts: Array<string> = []
      const scan = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.tap(Effect.exit(effect), (exit) => Effect.sync(() => texts.push(...failureRenderings(exit))))
      return Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        const client = yield* MontaHttpClient
        // /auth/token echoing the client secret (401: InvalidCredentials), then restored after the cool-down.
        yield* fake.injectFault({
          path: "/auth/token",
          fault: Fault.Status({
            status: 401,
            body: { status: "UNAUTHORIZED", errorCode: "CONSUMER_NOT_FOUND", message: `no consumer ${clientSecret}` }
          })
        })
        yield* scan(auth.accessToken)
        yield* TestClock.adjust("31 seconds")
        const token = Redacted.value(yield* auth.accessToken)
        const refresh = (yield* fake.tokensOf(clientId))[0]!.refreshToken
        // /auth/refresh echoing the refresh token (500, retried with DEBUG logs), a resource echoing the bearer.
        yield* fake.injectFault({
          path: "/auth/refresh",
          times: 2,
          fault: Fault.Status({
            status: 500,
            body: { message: `refresh ${refresh} failed`, errorCode: refresh, readableMessage: `token ${token}` }
          })
        })
        yield* fake.injectFault({
          path: "/charge-points/1",
          fault: Fault.Status({
            status: 403,
            body: { errorCode: "ACCESS_FORBIDDEN", message: `Bearer ${token} denied` }
          })
        })
        yield* scan(client.get("/charge-points/1"))
        yield* TestClock.adjust("56 minutes")
        yield* settleLong
        yield* auth.accessToken
        assert.strictEqual((yield* timesOf("/auth/refresh")).length, 3, "the echoing refresh was retried")
        // What the echo can reach: errors, log lines, and spans as an exporter takes them (name,
        // attributes, events, status with the failure's cause) plus the exits of the failed spans.
        for (const span of spans) {
          texts.push(...span.exported)
          if (span.status._tag === "Ended" && Exit.isFailure(span.status.exit)) texts.push(span.exitRendering)
        }
        texts.push(...lines)
        const names = new Set(spans.map((span) => span.name))
        assert.isTrue(names.has("MontaAuthApi.token") && names.has("MontaAuthApi.refresh"), [...names].join(", "))
        assert.isAtLeast(lines.length, 5, "at least one log line")
        for (const text of texts) {
          assert.notInclude(text, clientSecret)
          assert.notInclude(text, token)
          assert.notInclude(text, refresh)
        }
        // The server's words are still there, scrubbed.
        assert.include(texts.join("\n"), "<redacted>")
      }).pipe(
        Effect.provide(clientLayer({ auth: { jitter: 0 } })),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.withTracer(tracer)
      )
    }
  )
  it.scoped("`/auth/me` gone (404): me, requireScope and the budget work through /consumers/me", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const client = yield* MontaHttpClient
      const me = yield* auth.me
      assert.strictEqual(me.clientId, clientId)
      yield* auth.requireScope("charge-points:read")
      assert.strictEqual((yield* Effect.flip(auth.requireScope("webhooks:delete")))._tag, "InsufficientScope")
      // The budget of /consumers/me (3 per 60 s): the 4th request waits for the window, no 429.
      for (let i = 1; i <= 3; i++) assert.strictEqual((yield* client.get(`/charge-points/${i}`)).status, 200)
      const fourth = yield* Effect.fork(client.get("/charge-points/4"))
      yield* settleLong
      assert.isNull(fourth.unsafePoll(), "the 4th waits for the next window")
      yield* TestClock.adjust("61 seconds")
      assert.strictEqual((yield* Fiber.join(fourth)).status, 200)
      const counters = yield* fake.counters
      assert.strictEqual(counters.status429, 0)
      assert.strictEqual(counters.authMeRequests, 0, "the deprecated endpoint is never asked")
      assert.isAtLeast(counters.meRequests, 1)
    }).pipe(Effect.provide(clientLayer({
      fake: {
        authMe: "gone",
        consumers: [{
          ...MontaFake.demoConsumer,
          scopes: ["charge-points:write"],
          rateLimit: 3,
          rateLimitIntervalInSeconds: 60
        }]
      }
    }))))

  it.scoped("consumer without rate fields: the budget from headers or the default; no request blocked", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const auth = yield* MontaAuth
      const client = yield* MontaHttpClient
      const me = yield* auth.me
      assert.isUndefined(me.rateLimit)
      // Nothing waits on the missing fields: the first requests go at once (no TestClock time).
      for (let i = 1; i <= 4; i++) assert.strictEqual((yield* client.get(`/charge-points/${i}`)).status, 200)
      // The server's RateLimit-Quota / TimeWindow (4 per 60 s) are the budget from then on.
      const fifth = yield* Effect.fork(client.get("/charge-points/5"))
      yield* settleLong
      assert.isNull(fifth.unsafePoll(), "the 5th waits for the window the headers announced")
      yield* TestClock.adjust("61 seconds")
      assert.strictEqual((yield* Fiber.join(fifth)).status, 200)
      assert.strictEqual((yield* fake.counters).status429, 0)
    }).pipe(Effect.provide(clientLayer({
      fake: {
        consumers: [{
          ...MontaFake.demoConsumer,
          omitOptionalFields: true,
          rateLimit: 4,
          rateLimitIntervalInSeconds: 60
        }]
      }
    }))))
})
