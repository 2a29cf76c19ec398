import * as HttpClientError from "@effect/platform/HttpClientError"
import { assert } from "@effect/vitest"
import { Me, TokenPair } from "@monta-auth/schema"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { ConsumerInput, MontaFakeOptions } from "../src/index.js"
import { Fault, MontaFake } from "../src/index.js"
import { assertMontaDate, type ItemPage, login, send } from "./utils.js"

/** A credential with a budget of 2 requests per 10 minutes: its third request is a 429 at once. */
const tiny: ConsumerInput = {
  clientId: "tiny-client-id",
  clientSecret: "tiny-client-secret",
  rateLimit: 2,
  rateLimitIntervalInSeconds: 600
}

/** The fake the smoke test runs against, in memory or on a socket. */
export const smokeOptions: MontaFakeOptions = {
  consumers: [MontaFake.demoConsumer, MontaFake.teamConsumer, tiny],
  seed: { chargePoints: 20, walletTransactions: 20 }
}

const credentials = (consumer: ConsumerInput) => ({
  json: { clientId: consumer.clientId, clientSecret: consumer.clientSecret }
})

const errorCodeOf = (body: unknown) => (body as { readonly errorCode?: unknown }).errorCode

const rfc7231 = /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/

/**
 * What every transport of the fake must agree on, from a token to a dropped connection. It reads
 * time only from the `Clock` and never waits on it, so it runs the same on the `TestClock` (in
 * memory) and in real time over real sockets, where it takes a few milliseconds.
 */
export const smoke = Effect.gen(function*() {
  const fake = yield* MontaFake

  // token: the Date header, and expiration dates with nanoseconds that mean the fake's expiry
  const sent = yield* Clock.currentTimeMillis
  const token = yield* send("POST", "/auth/token", credentials(MontaFake.demoConsumer))
  const received = yield* Clock.currentTimeMillis
  assert.strictEqual(token.status, 200)
  assert.strictEqual(token.response.headers["ratelimit-policy"], "Fair-Use")
  const date = token.response.headers["date"]!
  assert.match(date, rfc7231)
  const dated = Date.parse(date)
  assert.isTrue(dated >= Math.floor(sent / 1000) * 1000 && dated <= received, `${date} outside the round trip`)
  const wire = token.body as Record<string, string>
  const [issued] = yield* fake.tokensOf(MontaFake.demoConsumer.clientId)
  assertMontaDate(wire.accessTokenExpirationDate!, issued!.accessExpiresAt)
  assertMontaDate(wire.refreshTokenExpirationDate!, issued!.refreshExpiresAt)
  const issuedAt = issued!.accessExpiresAt - 3_600_000
  assert.isTrue(issuedAt >= sent && issuedAt <= received, "a 1 h access token issued during the round trip")
  assert.strictEqual(issued!.refreshExpiresAt - issued!.accessExpiresAt, 23 * 3_600_000)
  const pair = yield* Schema.decodeUnknown(TokenPair)(token.body)
  const accessToken = Redacted.value(pair.accessToken)
  assert.strictEqual(accessToken, issued!.accessToken)

  // the consumer, from /consumers/me (the deprecated /auth/me answers the same)
  const me = yield* Schema.decodeUnknown(Me)((yield* send("GET", "/consumers/me", { token: accessToken })).body)
  assert.strictEqual(me.clientId, "demo-client-id")
  assert.deepStrictEqual(me.teamIds, [])
  assert.deepStrictEqual(me.scopes, ["all:delete"])

  // refresh rotation: a new pair; the used refresh token is refused
  const refreshToken = Redacted.value(pair.refreshToken)
  const refreshed = yield* send("POST", "/auth/refresh", { json: { refreshToken } })
  assert.strictEqual(refreshed.status, 200)
  const rotated = yield* Schema.decodeUnknown(TokenPair)(refreshed.body)
  assert.notStrictEqual(Redacted.value(rotated.refreshToken), refreshToken)
  assert.notStrictEqual(Redacted.value(rotated.accessToken), accessToken)
  const reused = yield* send("POST", "/auth/refresh", { json: { refreshToken } })
  assert.strictEqual(reused.status, 401)
  assert.deepStrictEqual(reused.body, {
    status: "UNAUTHORIZED",
    message: "Refresh token already used",
    errorCode: "INVALID_ACCESS_TOKEN"
  })
  assert.strictEqual((yield* send("GET", "/auth/me", { token: Redacted.value(rotated.accessToken) })).status, 200)

  // paging and the RateLimit-* headers; perPage=101 is 400
  const page = yield* send("GET", "/charge-points?page=1&perPage=5", { token: accessToken })
  assert.strictEqual(page.status, 200)
  assert.deepStrictEqual((page.body as ItemPage).meta, {
    currentPage: 1,
    perPage: 5,
    itemCount: 5,
    totalPageCount: 4,
    totalItemCount: 20
  })
  assert.deepStrictEqual((page.body as ItemPage).data.map((item) => item.id), [6, 7, 8, 9, 10])
  assert.strictEqual(page.response.headers["ratelimit-policy"], "Quota")
  assert.strictEqual(page.response.headers["ratelimit-quota"], "1000")
  assert.strictEqual(page.response.headers["ratelimit-timewindow"], "600")
  assert.strictEqual(page.response.headers["ratelimit-remaining"], "999")
  assert.strictEqual(page.response.headers["ratelimit-resetsin"], "600")
  const tooMany = yield* send("GET", "/charge-points?perPage=101", { token: accessToken })
  assert.strictEqual(tooMany.status, 400)
  assert.strictEqual(errorCodeOf(tooMany.body), "BAD_REQUEST")
  assert.strictEqual(tooMany.response.headers["ratelimit-remaining"], "998")

  // a team-restricted consumer: only its team's items, 403 for another team's, 403 for a missing scope
  const team = yield* login(MontaFake.teamConsumer)
  const view = (yield* send("GET", "/charge-points?perPage=100", { token: team.accessToken })).body as ItemPage
  assert.strictEqual(view.meta.totalItemCount, 10)
  assert.isTrue(view.data.every((item) => item.teamId === 1))
  assert.strictEqual((yield* send("GET", "/charge-points/1", { token: team.accessToken })).status, 200)
  const otherTeam = yield* send("GET", "/charge-points/2", { token: team.accessToken })
  assert.strictEqual(otherTeam.status, 403)
  assert.strictEqual(errorCodeOf(otherTeam.body), "ACCESS_FORBIDDEN")
  const noScope = yield* send("POST", "/charge-points", { token: team.accessToken, json: { name: "x" } })
  assert.strictEqual(noScope.status, 403)
  assert.deepStrictEqual(noScope.body, {
    status: "FORBIDDEN",
    message: "Missing scope charge-points:write",
    errorCode: "ACCESS_FORBIDDEN",
    readableMessage: "The API credential does not have the scope charge-points:write"
  })

  // a 429 over a small limit, with the headers and Retry-After
  const small = yield* login(tiny)
  for (const remaining of ["1", "0"]) {
    const ok = yield* send("GET", "/wallet-transactions", { token: small.accessToken })
    assert.strictEqual(ok.status, 200)
    assert.strictEqual(ok.response.headers["ratelimit-remaining"], remaining)
  }
  const limited = yield* send("GET", "/wallet-transactions", { token: small.accessToken })
  assert.strictEqual(limited.status, 429)
  assert.strictEqual(errorCodeOf(limited.body), "RATE_LIMIT_EXCEEDED")
  assert.strictEqual(limited.response.headers["ratelimit-policy"], "Quota")
  assert.strictEqual(limited.response.headers["ratelimit-quota"], "2")
  assert.strictEqual(limited.response.headers["ratelimit-timewindow"], "600")
  assert.strictEqual(limited.response.headers["ratelimit-remaining"], "0")
  const resetsIn = Number(limited.response.headers["ratelimit-resetsin"])
  assert.isTrue(resetsIn >= 599 && resetsIn <= 600, `RateLimit-ResetsIn ${resetsIn}`)
  assert.strictEqual(limited.response.headers["retry-after"], String(resetsIn))

  // a wrong content type is 415; a wrong method 405 with Allow; an unknown route 404
  const wrongType = yield* send("POST", "/auth/token", {
    text: JSON.stringify(credentials(MontaFake.demoConsumer).json),
    contentType: "text/plain"
  })
  assert.strictEqual(wrongType.status, 415)
  assert.strictEqual(errorCodeOf(wrongType.body), "UNSUPPORTED_MEDIA_TYPE")
  assert.strictEqual(wrongType.response.headers["accept"], "application/json")
  const wrongMethod = yield* send("PUT", "/charge-points", { token: accessToken, json: { name: "x" } })
  assert.strictEqual(wrongMethod.status, 405)
  assert.strictEqual(errorCodeOf(wrongMethod.body), "METHOD_NOT_ALLOWED")
  assert.strictEqual(wrongMethod.response.headers["allow"], "GET, HEAD, POST")
  const unknown = yield* send("GET", "/chargers", { token: accessToken })
  assert.strictEqual(unknown.status, 404)
  assert.strictEqual(errorCodeOf(unknown.body), "RESOURCE_NOT_FOUND")

  // faults: a status with Retry-After, then a dropped connection, then normal service
  yield* fake.injectFault({ path: "/auth/me", fault: Fault.Status({ status: 503, retryAfter: 1 }) })
  const unavailable = yield* send("GET", "/auth/me", { token: accessToken })
  assert.strictEqual(unavailable.status, 503)
  assert.strictEqual(unavailable.response.headers["retry-after"], "1")
  yield* fake.injectFault({ path: "/auth/me", fault: Fault.Drop() })
  const dropped = yield* Effect.flip(send("GET", "/auth/me", { token: accessToken }))
  assert.instanceOf(dropped, HttpClientError.RequestError)
  assert.strictEqual((dropped as HttpClientError.RequestError).reason, "Transport")
  assert.strictEqual((yield* send("GET", "/auth/me", { token: accessToken })).status, 200)

  // both transports saw the same requests
  const counters = yield* fake.counters
  assert.deepStrictEqual(counters, {
    requests: 22,
    tokenRequests: 4,
    refreshRequests: 2,
    meRequests: 5,
    authMeRequests: 4,
    rejectedRefreshes: 1,
    rejectedCredentials: 0,
    rejectedTokens: 0,
    status429: 1,
    dropped: 1,
    faults: 2,
    byStatus: { 200: 12, 400: 1, 401: 1, 403: 2, 404: 1, 405: 1, 415: 1, 429: 1, 503: 1 }
  })
})
