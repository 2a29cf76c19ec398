/**
 * SPEC section 1 "permission `read` < `write` < `delete`; a higher one includes the lower ones.
 * Entity `all` covers every entity" / issue 2 "`grants(granted, required)` ... Property tests prove:
 * reflexive, monotone in permission, `all:delete` grants everything, nothing grants more than it
 * says".
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import {
  grants,
  isScope,
  knownEntities,
  missingScopes,
  type ParsedScope,
  parseScope,
  type Permission,
  permissionLevel,
  permissions,
  type Scope
} from "../src/index.js"

// A small pool of entities (known, unknown, and the wildcard) so that generated pairs often share one.
const entity = fc.oneof(
  fc.constantFrom(...knownEntities),
  fc.constantFrom("brand-new-thing", "x", "ocpp2-logs"),
  fc.array(fc.stringMatching(/^[a-z]+$/), { minLength: 1, maxLength: 3 }).map((words) => words.join("-"))
)
const permission = fc.constantFrom(...permissions)
// The generated entities are all of the grammar; `isScope` turns the built string into a `Scope`.
const scopeOf = (e: string, p: Permission): Scope => {
  const s = `${e}:${p}`
  return isScope(s) ? s : assert.fail(`${s} should be a scope`)
}
const scope = fc.tuple(entity, permission).map(([e, p]) => scopeOf(e, p))

const parsed = (s: Scope): ParsedScope => Either.getOrThrow(parseScope(s))

describe("grants (SPEC 1 scopes, issue 2 grants)", () => {
  it.prop("issue 2: reflexive: every scope grants itself", { s: scope }, ({ s }) => {
    assert.isTrue(grants([s], s))
    assert.isTrue(grants(s, s), "a single scope works as well as a list")
  })

  it.prop(
    "issue 2: monotone in permission: a stronger permission on the same entity grants at least as much",
    { e: entity, p: permission, stronger: permission, other: entity, sameEntity: fc.boolean(), q: permission },
    ({ e, other, p, q, sameEntity, stronger }) => {
      fc.pre(permissionLevel(stronger) >= permissionLevel(p))
      // Half the required scopes are on the granted entity, so the premise holds often.
      const required = scopeOf(sameEntity ? e : other, q)
      if (grants([scopeOf(e, p)], required)) assert.isTrue(grants([scopeOf(e, stronger)], required))
    }
  )

  it.prop("issue 2: all:delete grants everything", { required: scope }, ({ required }) => {
    assert.isTrue(grants(["all:delete"], required))
  })

  it.prop(
    "issue 2: nothing grants more than it says (same entity or all, permission at least as strong)",
    { granted: scope, required: scope },
    ({ granted, required }) => {
      const g = parsed(granted)
      const r = parsed(required)
      const says = (g.entity === "all" || g.entity === r.entity) &&
        permissionLevel(r.permission) <= permissionLevel(g.permission)
      if (grants([granted], required)) assert.isTrue(says)
      // and it grants everything it says
      assert.strictEqual(grants([granted], required), says)
    }
  )

  it.prop(
    "issue 2: a list grants what one of its scopes grants, and missingScopes lists the rest",
    { granted: fc.array(scope, { maxLength: 6 }), required: fc.array(scope, { maxLength: 6 }) },
    ({ granted, required }) => {
      for (const r of required) assert.strictEqual(grants(granted, r), granted.some((g) => grants([g], r)))
      assert.deepStrictEqual(missingScopes(granted, required), required.filter((r) => !grants(granted, r)))
    }
  )

  it("SPEC 1: delete includes write includes read, not the other way round", () => {
    assert.isTrue(grants(["charge-points:delete"], "charge-points:write"))
    assert.isTrue(grants(["charge-points:delete"], "charge-points:read"))
    assert.isTrue(grants(["charge-points:write"], "charge-points:read"))
    assert.isFalse(grants(["charge-points:write"], "charge-points:delete"))
    assert.isFalse(grants(["charge-points:read"], "charge-points:write"))
    assert.deepStrictEqual([permissionLevel("read"), permissionLevel("write"), permissionLevel("delete")], [0, 1, 2])
  })

  it("SPEC 1: all:X covers every entity at level X only", () => {
    for (const e of [...knownEntities, "brand-new-thing"]) {
      assert.isTrue(grants(["all:read"], scopeOf(e, "read")), e)
      assert.isFalse(grants(["all:read"], scopeOf(e, "write")), e)
      assert.isTrue(grants(["all:write"], scopeOf(e, "write")), e)
      assert.isFalse(grants(["all:write"], scopeOf(e, "delete")), e)
    }
  })

  it("SPEC 1: a scope on one entity grants nothing on another", () => {
    assert.isFalse(grants(["charge-points:delete"], "charges:read"))
    assert.isFalse(grants(["wallet-transactions:read"], "all:read"), "only all grants all")
    assert.isFalse(grants([], "charge-points:read"))
    assert.deepStrictEqual(missingScopes(["charge-points:write"], ["charge-points:read", "sites:read"]), ["sites:read"])
  })

  it("SPEC 1: unparseable scopes (from an untyped source) grant nothing and are granted nothing", () => {
    const bad = ["Charge-Points:delete", "all", "all:admin", "a:b:delete"] as unknown as ReadonlyArray<Scope>
    for (const s of bad) {
      assert.isFalse(grants([s], "charge-points:read"), s)
      assert.isFalse(grants(["all:delete"], s), s)
    }
  })
})
