/**
 * SPEC section 1 `GET /auth/me` and "`teamIds` empty = the credential sees the whole operator;
 * non-empty = only those teams" / issue 2 "`Me` (every field of the sample in SPEC section 1,
 * `teamIds` possibly empty, unknown extra fields tolerated)", and "New ones appear: unknown entities
 * must parse, not fail": a scope outside the grammar is set aside in `unrecognizedScopes` (it grants
 * nothing), never a failure of the whole payload, whose rate budget every request of `MontaAuth` needs.
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Consumer, grants, Me, missingScopes } from "../src/index.js"

const sample = {
  name: "Partner API Demo",
  operatorId: 42,
  operatorIds: [],
  createdAt: "2024-01-18T10:00:00.000Z",
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

  it("SPEC 1: a new entity with a digit (ocpp2-logs:read) is a scope; one outside the grammar does not fail the payload", () => {
    const scopes = ["ocpp2-logs:read", "charge-points:admin", "sites:write", "Charge-Points:delete"]
    const me = Either.getOrThrow(decode({ ...sample, scopes }))
    assert.instanceOf(me, Me)
    assert.strictEqual(me.rateLimit, 1000, "the rate budget is there for MontaAuth")
    assert.strictEqual(me.rateLimitIntervalInSeconds, 600)
    assert.deepStrictEqual(me.scopes, ["ocpp2-logs:read", "sites:write"])
    assert.deepStrictEqual(me.unrecognizedScopes, ["charge-points:admin", "Charge-Points:delete"], "kept as sent")
  })

  it("SPEC 1: an unrecognized scope grants nothing (fail closed)", () => {
    const me = Either.getOrThrow(
      decode({ ...sample, scopes: ["ocpp2-logs:read", "charge-points:admin", "All:delete"] })
    )
    assert.deepStrictEqual(me.unrecognizedScopes, ["charge-points:admin", "All:delete"])
    assert.isTrue(grants(me.scopes, "ocpp2-logs:read"))
    for (
      const required of ["charge-points:read", "charge-points:write", "charge-points:delete", "sites:read"] as const
    ) {
      assert.isFalse(grants(me.scopes, required), required)
    }
    assert.deepStrictEqual(missingScopes(me.scopes, ["charge-points:read", "ocpp2-logs:read"]), ["charge-points:read"])
  })

  it("SPEC 1: unrecognized scopes encode back into scopes: the round trip gives the same JSON", () => {
    // Recognized first, unrecognized last: the same array comes back, in the same order.
    const input = { ...sample, scopes: ["all:read", "ocpp2-logs:read", "charge-points:admin", "Charge-Points:delete"] }
    const me = Either.getOrThrow(decode(input))
    assert.deepStrictEqual(Schema.encodeSync(Me)(me), input)
    assert.deepStrictEqual(Either.getOrThrow(decode(Schema.encodeSync(Me)(me))), me)
    // Mixed: every scope comes back, the recognized ones first, each group in the order sent.
    const mixed = Either.getOrThrow(decode({ ...sample, scopes: ["charge-points:admin", "sites:read", "x:y:z"] }))
    assert.deepStrictEqual(Schema.encodeSync(Me)(mixed).scopes, ["sites:read", "charge-points:admin", "x:y:z"])
  })

  it("SPEC 1: with every scope recognized, unrecognizedScopes is empty and the wire shape is unchanged", () => {
    const me = Either.getOrThrow(decode(sample))
    assert.deepStrictEqual(me.unrecognizedScopes, [])
    const encoded = Schema.encodeSync(Me)(me)
    assert.deepStrictEqual(encoded, sample)
    assert.isFalse("unrecognizedScopes" in encoded)
    const made = new Me({ ...sample, createdAt: me.createdAt, scopes: ["all:delete"] })
    assert.deepStrictEqual(made.unrecognizedScopes, [], "the constructor defaults it")
    assert.deepStrictEqual(Schema.encodeSync(Me)(made), sample)
  })

  it("SPEC 1: a scope that is not a string is still a malformed payload, naming it", () => {
    const result = decode({ ...sample, scopes: ["all:delete", 42] })
    if (Either.isRight(result)) return assert.fail("a non-string scope should not decode")
    assert.include(result.left.message, `["scopes"]`)
    assert.include(result.left.message, "Expected string, actual 42")
  })

  it("SPEC 1: a Me built in code holds scopes of the grammar only", () => {
    const scopes = ["charge-points:admin"]
    assert.throws(
      // @ts-expect-error "charge-points:admin" is not a Scope
      () => new Me({ ...sample, scopes }),
      `unknown permission "admin" in "charge-points:admin"`
    )
  })

  // The provider's Consumer wins over SPEC section 1's sample (issue 12): these six are required.
  it("issue 12: every field the provider's Consumer marks required is required", () => {
    for (const key of ["clientId", "createdAt", "name", "operatorIds", "scopes", "teamIds"]) {
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

  // ../shared/reference/monta-partner-api-notes.md, "Consumer": required clientId, createdAt, name,
  // operatorIds, scopes, teamIds; optional operatorId, rateLimit, rateLimitIntervalInSeconds, updatedAt.
  it("issue 12: the provider's Consumer without its optional fields decodes (no operatorId, no rate fields)", () => {
    const { operatorId: _o, rateLimit: _r, rateLimitIntervalInSeconds: _i, ...required } = sample
    const me = Either.getOrThrow(decode(required))
    assert.isUndefined(me.rateLimit)
    assert.isUndefined(me.rateLimitIntervalInSeconds)
    assert.isUndefined(me.operatorId)
    assert.deepStrictEqual(me.operatorIds, [])
  })

  it("issue 12: operatorIds and createdAt are required, as the provider's Consumer says", () => {
    const { operatorIds: _o, ...withoutOperatorIds } = sample
    const { createdAt: _c, ...withoutCreatedAt } = sample
    assert.isTrue(Either.isLeft(decode(withoutOperatorIds)))
    assert.isTrue(Either.isLeft(decode(withoutCreatedAt)))
  })

  it("issue 12: entity-only scopes (the OpenAPI enum's shape) grant nothing and are listed as unrecognized", () => {
    const me = Either.getOrThrow(decode({ ...sample, scopes: ["charge-points", "all:read", "map"] }))
    assert.deepStrictEqual(me.scopes, ["all:read"])
    assert.deepStrictEqual(me.unrecognizedScopes, ["charge-points", "map"])
  })

  it("issue 12: Consumer is Me under the provider's name", () => {
    assert.strictEqual(Consumer, Me)
    const me = Either.getOrThrow(Schema.decodeUnknownEither(Consumer)({ ...sample, updatedAt: "2024-02-01T00:00:00Z" }))
    assert.isDefined(me.updatedAt)
  })
})
