/**
 * SPEC section 1 "Responses carry `RateLimit-Policy`, `RateLimit-Quota`, `RateLimit-TimeWindow`,
 * `RateLimit-Remaining`, `RateLimit-ResetsIn` (seconds) ... `Retry-After` is not documented: honour
 * it when present" / issue 2 "the `RateLimit-*` response headers as a schema".
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { fairUsePolicy, RateLimitHeaders } from "../src/index.js"

const decode = Schema.decodeUnknownEither(RateLimitHeaders)

// Header names as `@effect/platform` gives them: lowercase.
const headers = {
  "content-type": "application/json",
  "ratelimit-policy": "1000;w=600",
  "ratelimit-quota": "1000",
  "ratelimit-timewindow": "600",
  "ratelimit-remaining": "998",
  "ratelimit-resetsin": "42",
  "retry-after": "42"
}

describe("RateLimitHeaders (SPEC 1 rate limit, issue 2)", () => {
  it("SPEC 1: the five RateLimit-* headers and Retry-After decode, other headers are ignored", () => {
    const decoded = Either.getOrThrow(decode(headers))
    assert.deepStrictEqual(decoded, {
      policy: "1000;w=600",
      quota: 1000,
      timeWindowSeconds: 600,
      remaining: 998,
      resetsInSeconds: 42,
      retryAfter: "42"
    })
  })

  it("SPEC 1: missing headers are absent (no undefined keys)", () => {
    assert.deepStrictEqual(Object.keys(Either.getOrThrow(decode({}))), [])
    const partial = Either.getOrThrow(decode({ "ratelimit-remaining": "0", "ratelimit-resetsin": "17" }))
    assert.deepStrictEqual(partial, { remaining: 0, resetsInSeconds: 17 })
    assert.isFalse("quota" in partial)
  })

  it("SPEC 1: a Fair-Use policy decodes as such", () => {
    assert.deepStrictEqual(Either.getOrThrow(decode({ "ratelimit-policy": "Fair-Use" })), { policy: fairUsePolicy })
  })

  it("SPEC 1: Retry-After as an HTTP date is kept as sent", () => {
    const retryAfter = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert.deepStrictEqual(Either.getOrThrow(decode({ "retry-after": retryAfter })), { retryAfter })
  })

  it("SPEC 1: a non-numeric, negative or infinite count fails naming the header", () => {
    for (const name of ["ratelimit-quota", "ratelimit-timewindow", "ratelimit-remaining", "ratelimit-resetsin"]) {
      const result = decode({ [name]: "soon" })
      if (Either.isRight(result)) assert.fail(`${name}: "soon" should not decode`)
      assert.include(result.left.message, `["${name}"]`)
      assert.include(result.left.message, `Unable to decode "soon" into a number`)
      assert.isTrue(Either.isLeft(decode({ [name]: "-1" })), `${name}: -1`)
      assert.isTrue(Either.isLeft(decode({ [name]: "Infinity" })), `${name}: Infinity`)
      assert.isTrue(Either.isLeft(decode({ [name]: "" })), `${name}: empty`)
    }
  })

  it("SPEC 1: encoding gives the lowercase header record back", () => {
    const { "content-type": _, ...rateLimitOnly } = headers
    assert.deepStrictEqual(Schema.encodeSync(RateLimitHeaders)(Either.getOrThrow(decode(headers))), rateLimitOnly)
  })
})
