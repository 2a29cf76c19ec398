/**
 * SPEC section 1 `GET /auth/me` and "`teamIds` empty = the credential sees the whole operator;
 * non-empty = only those teams" / issue 2 "`Me` (every field of the sample in SPEC section 1,
 * `teamIds` possibly empty, unknown extra fields tolerated)".
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Me } from "../src/index.js"

const sample = {
  name: "Partner API Demo",
  operatorId: 42,
  teamIds: [],
  clientId: "73d86c7f-48de-4a0f-bd3c-da243e16b630",
  rateLimit: 1000,
  rateLimitIntervalInSeconds: 600,
  scopes: ["all:delete"]
}

const decode = Schema.decodeUnknownEither(Me)

describe("Me (SPEC 1 /auth/me, issue 2)", () => {
  it("SPEC 1: empty teamIds (the whole operator) decode", () => {
    const me = Either.getOrThrow(decode(sample))
    assert.deepStrictEqual(me.teamIds, [])
    assert.strictEqual(me.name, "Partner API Demo")
    assert.strictEqual(me.operatorId, 42)
    assert.strictEqual(me.clientId, "73d86c7f-48de-4a0f-bd3c-da243e16b630")
    assert.strictEqual(me.rateLimit, 1000)
    assert.strictEqual(me.rateLimitIntervalInSeconds, 600)
    assert.deepStrictEqual(me.scopes, ["all:delete"])
  })

  it("SPEC 1: non-empty teamIds (only those teams) decode", () => {
    const me = Either.getOrThrow(decode({ ...sample, teamIds: [7, 12], scopes: ["charge-points:read", "sites:write"] }))
    assert.deepStrictEqual(me.teamIds, [7, 12])
    assert.deepStrictEqual(me.scopes, ["charge-points:read", "sites:write"])
  })

  it("issue 2: unknown extra fields are tolerated (and dropped)", () => {
    const me = Either.getOrThrow(decode({ ...sample, region: "eu", features: { beta: true } }))
    assert.strictEqual(me.operatorId, 42)
    assert.isFalse("region" in me)
    assert.deepStrictEqual(Schema.encodeSync(Me)(me), sample)
  })

  it("SPEC 1: a bad scope fails the whole payload, naming the scope", () => {
    const result = decode({ ...sample, scopes: ["all:delete", "charge-points:admin"] })
    if (Either.isRight(result)) assert.fail("a bad scope should not decode")
    assert.include(result.left.message, `["scopes"]`)
    assert.include(result.left.message, `unknown permission "admin" in "charge-points:admin"`)
  })

  it("SPEC 1: every field of the sample is required", () => {
    for (const key of Object.keys(sample)) {
      const { [key as keyof typeof sample]: _, ...rest } = sample
      const result = decode(rest)
      if (Either.isRight(result)) assert.fail(`${key} should be required`)
      assert.include(result.left.message, `["${key}"]`)
      assert.include(result.left.message, "is missing")
    }
  })

  it("SPEC 1: a rate limit must be a positive number of requests per positive interval", () => {
    assert.isTrue(Either.isLeft(decode({ ...sample, rateLimit: 0 })))
    assert.isTrue(Either.isLeft(decode({ ...sample, rateLimit: 1.5 })))
    assert.isTrue(Either.isLeft(decode({ ...sample, rateLimitIntervalInSeconds: -600 })))
    assert.isTrue(Either.isLeft(decode({ ...sample, teamIds: ["7"] })))
  })
})
