/**
 * SPEC section 1 "Scopes are `entity:permission` ... unknown entities must parse, not fail" /
 * issue 2 "`Scope`: ... Clear decode errors for bad input".
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { decodeScope, isScope, knownEntities, parseScope, permissions, Scope } from "../src/index.js"

const decode = Schema.decodeUnknownEither(Scope)

const messageOf = (input: unknown): string => {
  const result = decode(input)
  if (Either.isRight(result)) return assert.fail(`${JSON.stringify(input)} should not decode`)
  return result.left.message
}

describe("Scope grammar (SPEC 1 scopes, issue 2 Scope)", () => {
  it("SPEC 1: every known entity with every permission decodes to itself", () => {
    for (const entity of knownEntities) {
      for (const permission of permissions) {
        const input = `${entity}:${permission}`
        assert.strictEqual(Either.getOrUndefined(decode(input)), input)
        assert.deepStrictEqual(parseScope(input), Either.right({ entity, permission }))
      }
    }
  })

  it("SPEC 1: unknown entities parse (brand-new-thing:read)", () => {
    assert.deepStrictEqual(decode("brand-new-thing:read"), Either.right("brand-new-thing:read"))
    assert.deepStrictEqual(
      parseScope("brand-new-thing:read"),
      Either.right({ entity: "brand-new-thing", permission: "read" })
    )
    assert.deepStrictEqual(decodeScope("x:delete"), Either.right("x:delete"))
  })

  it("SPEC 1: unknown entities with digits parse (ocpp2-logs:read)", () => {
    for (const input of ["ocpp2-logs:read", "v2-tariffs:write", "2fa:read", "iso15118-contracts:delete"]) {
      assert.strictEqual(Either.getOrUndefined(decode(input)), input)
    }
    assert.deepStrictEqual(parseScope("ocpp2-logs:read"), Either.right({ entity: "ocpp2-logs", permission: "read" }))
  })

  it.prop(
    "SPEC 1: any entity of lowercase alphanumeric words joined by single hyphens parses with any permission",
    {
      words: fc.array(fc.stringMatching(/^[a-z0-9]+$/), { minLength: 1, maxLength: 4 }),
      permission: fc.constantFrom(...permissions)
    },
    ({ permission, words }) => {
      const entity = words.join("-")
      assert.deepStrictEqual(parseScope(`${entity}:${permission}`), Either.right({ entity, permission }))
      assert.isTrue(isScope(`${entity}:${permission}`))
    }
  )

  it("issue 2: \"read\" fails: no \":\"", () => {
    assert.include(messageOf("read"), `expected "entity:permission" (for example "charge-points:read"), got "read"`)
  })

  it("issue 2: \"charge-points:\" fails: missing permission", () => {
    assert.include(
      messageOf("charge-points:"),
      `missing permission after ":" in "charge-points:" (expected read, write or delete)`
    )
  })

  it("issue 2: \":read\" fails: missing entity", () => {
    assert.include(messageOf(":read"), `missing entity before ":" in ":read"`)
  })

  it("issue 2: \"Charge-Points:read\" fails: the entity must be lowercase", () => {
    assert.include(
      messageOf("Charge-Points:read"),
      `entity "Charge-Points" must be lowercase letters and digits in words joined by single hyphens, in "Charge-Points:read"`
    )
  })

  it("issue 2: \"a:b:c\" fails: more than one \":\"", () => {
    assert.include(messageOf("a:b:c"), `expected exactly one ":" in "entity:permission", got "a:b:c"`)
  })

  it("issue 2: an unknown permission fails naming it", () => {
    assert.include(
      messageOf("charge-points:admin"),
      `unknown permission "admin" in "charge-points:admin" (expected read, write or delete)`
    )
  })

  it("issue 2: each bad input gets its own message, the same from parseScope and the schema", () => {
    const bad = ["read", "charge-points:", ":read", "Charge-Points:read", "a:b:c", "charge-points:admin"]
    const messages = bad.map((input) => {
      const parsed = parseScope(input)
      if (Either.isRight(parsed)) return assert.fail(`${input} should not parse`)
      assert.include(messageOf(input), parsed.left)
      return parsed.left
    })
    assert.strictEqual(new Set(messages.map((m) => m.replace(/"[^"]*"/g, "_"))).size, bad.length)
  })

  it("issue 2: other malformed entities and non-strings fail", () => {
    for (
      const input of [
        "charge_points:read",
        "-sites:read",
        "sites-:read",
        "si--tes:read",
        "sites :read",
        "ocpp2-Logs:read",
        "ocpp2.logs:read",
        "-:read"
      ]
    ) {
      assert.isTrue(Either.isLeft(decode(input)), input)
      assert.isFalse(isScope(input), input)
    }
    assert.isFalse(isScope(42))
    assert.include(messageOf(42), "Expected string, actual 42")
  })
})
