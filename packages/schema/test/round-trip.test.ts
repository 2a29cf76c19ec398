/**
 * SPEC section 1 / issue 2 "Round-trip tests": the exact samples of the provider's page
 * (`shared/reference/monta-partner-api-authentication.txt`) and of SPEC section 1 decode, and encode
 * back to the same JSON fields. Dates come back as the same instant to the millisecond: digits past
 * the third fractional one are dropped (see `MontaDateTime`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { decodeMontaErrorBody, Me, MontaErrorBody, Page, TokenPair } from "../src/index.js"

// The provider's samples, character for character (the page prints them without the outer braces).
const tokenResponse = `{
  "accessToken": "4596d494-5f6c-4f87-aed5-db68240a58dd",
  "refreshToken": "bbf8c0ed-dbb0-434f-8512-ab24eb64c46a",
  "accessTokenExpirationDate": "2023-02-16T07:53:02.059724728Z",
  "refreshTokenExpirationDate": "2023-02-17T06:53:02.059733860Z"
}`

const refreshResponse = `{
  "accessToken": "fbf6d41f-f8cf-491f-bc52-481dd6829ef2",
  "refreshToken": "b596a1fb-9c9f-4cca-8bd0-409b7f21c597",
  "accessTokenExpirationDate": "2023-02-16T07:56:02.059724728Z",
  "refreshTokenExpirationDate": "2023-02-17T06:56:02.059733860Z"
}`

// The page cuts the sample off after `"scopes": [`; its text says the collection contains `all:delete`.
// The OpenAPI `Consumer` (SPEC section 1, the reference notes) also requires `operatorIds` and
// `createdAt`, which the older auth page leaves out: the provider's schema wins (issue 12).
const meResponse = `{
  "name": "Partner API Demo",
  "operatorId": 42,
  "operatorIds": [],
  "createdAt": "2024-01-18T10:00:00.000Z",
  "teamIds": [],
  "clientId": "73d86c7f-48de-4a0f-bd3c-da243e16b630",
  "rateLimit": 1000,
  "rateLimitIntervalInSeconds": 600,
  "scopes": ["all:delete"]
}`

// SPEC section 1: the paged list envelope and the assumed error body.
const pageResponse = `{
  "data": [{ "id": 1, "name": "Garage" }, { "id": 2, "name": "Street" }],
  "meta": { "currentPage": 0, "perPage": 2, "itemCount": 2, "totalPageCount": 3, "totalItemCount": 5 }
}`

const errorResponse = `{ "status": 401, "message": "Invalid access token", "errorCode": "INVALID_ACCESS_TOKEN" }`

/** The instant of an ISO-8601 string, truncated to the millisecond, computed without our parser. */
const epochMillisTruncated = (iso: string): number => Date.parse(iso.replace(/(\.\d{3})\d+/, "$1"))

const roundTrip = <A, I>(schema: Schema.Schema<A, I>, json: string) =>
  Effect.gen(function*() {
    const input = JSON.parse(json) as Record<string, unknown>
    const decoded = yield* Schema.decodeUnknown(schema)(input)
    const encoded = (yield* Schema.encode(schema)(decoded)) as Record<string, unknown>
    return { input, decoded, encoded: JSON.parse(JSON.stringify(encoded)) as Record<string, unknown> }
  })

const assertSamePair = (input: Record<string, unknown>, encoded: Record<string, unknown>) => {
  assert.deepStrictEqual(Object.keys(encoded).sort(), Object.keys(input).sort())
  assert.strictEqual(encoded.accessToken, input.accessToken)
  assert.strictEqual(encoded.refreshToken, input.refreshToken)
  for (const key of ["accessTokenExpirationDate", "refreshTokenExpirationDate"]) {
    assert.strictEqual(
      Date.parse(encoded[key] as string),
      epochMillisTruncated(input[key] as string),
      `${key} is the same instant to the millisecond`
    )
  }
}

describe("round trip of the documented samples (SPEC 1, issue 2)", () => {
  it.effect("SPEC 1: the /auth/token sample decodes and encodes back to the same fields", () =>
    Effect.gen(function*() {
      const { decoded, encoded, input } = yield* roundTrip(TokenPair, tokenResponse)
      assert.instanceOf(decoded, TokenPair)
      assert.strictEqual(Redacted.value(decoded.accessToken), "4596d494-5f6c-4f87-aed5-db68240a58dd")
      assert.strictEqual(Redacted.value(decoded.refreshToken), "bbf8c0ed-dbb0-434f-8512-ab24eb64c46a")
      assertSamePair(input, encoded)
      // The digits past the millisecond are gone: 059724728 ns becomes 059 ms.
      assert.strictEqual(encoded.accessTokenExpirationDate, "2023-02-16T07:53:02.059Z")
      assert.strictEqual(encoded.refreshTokenExpirationDate, "2023-02-17T06:53:02.059Z")
    }))

  it.effect("SPEC 1: the /auth/refresh sample decodes and encodes back to the same fields", () =>
    Effect.gen(function*() {
      const { decoded, encoded, input } = yield* roundTrip(TokenPair, refreshResponse)
      assert.strictEqual(Redacted.value(decoded.accessToken), "fbf6d41f-f8cf-491f-bc52-481dd6829ef2")
      assert.strictEqual(Redacted.value(decoded.refreshToken), "b596a1fb-9c9f-4cca-8bd0-409b7f21c597")
      assertSamePair(input, encoded)
      assert.strictEqual(encoded.accessTokenExpirationDate, "2023-02-16T07:56:02.059Z")
    }))

  it.effect("SPEC 1: the /auth/me sample (scopes all:delete) decodes and encodes back to the same JSON", () =>
    Effect.gen(function*() {
      const { decoded, encoded, input } = yield* roundTrip(Me, meResponse)
      assert.instanceOf(decoded, Me)
      assert.strictEqual(decoded.operatorId, 42)
      assert.deepStrictEqual(decoded.teamIds, [])
      assert.deepStrictEqual(decoded.scopes, ["all:delete"])
      assert.deepStrictEqual(encoded, input)
    }))

  it.effect("SPEC 1: the paged list envelope decodes and encodes back to the same JSON", () =>
    Effect.gen(function*() {
      const Item = Schema.Struct({ id: Schema.Number, name: Schema.String })
      const { decoded, encoded, input } = yield* roundTrip(Page(Item), pageResponse)
      assert.strictEqual(decoded.data.length, 2)
      assert.strictEqual(decoded.meta.totalItemCount, 5)
      assert.deepStrictEqual(encoded, input)
    }))

  it.effect("SPEC 1: the error body {status, message, errorCode} decodes and encodes back to the same JSON", () =>
    Effect.gen(function*() {
      const { decoded, encoded, input } = yield* roundTrip(MontaErrorBody, errorResponse)
      assert.strictEqual(decoded.errorCode, "INVALID_ACCESS_TOKEN")
      assert.deepStrictEqual(encoded, input)
      assert.deepStrictEqual(
        yield* Schema.encode(MontaErrorBody)(decodeMontaErrorBody(errorResponse)),
        input,
        "decodeMontaErrorBody reads the same body from its text"
      )
    }))
})
