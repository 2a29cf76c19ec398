/**
 * Issue 2 "`Scope`: a template-literal TypeScript type so `"charge-points:write"` autocompletes and
 * `"charge-points:admin"` does not compile". `tsc` checks this file (the root and package tsconfigs
 * include `test/`): if `Scope` accepted any string, the `@ts-expect-error` lines would fail the build.
 */
import { assert, describe, it } from "@effect/vitest"
import { grants, isScope, type KnownEntity, type Permission, type Scope } from "../src/index.js"

describe("Scope type (issue 2 template-literal type)", () => {
  it("issue 2: known and unknown entities with a valid permission compile", () => {
    const known: Scope = "charge-points:write"
    const unknown: Scope = "brand-new-thing:read"
    const digits: Scope = "ocpp2-logs:read"
    const full: Scope = "all:delete"
    const entity: KnownEntity = "wallet-transactions"
    const permission: Permission = "delete"
    assert.isTrue(grants([full], known))
    assert.isTrue(grants([`${entity}:${permission}`], `${entity}:read`))
    assert.isFalse(grants([known], unknown))
    assert.isTrue(grants(["all:read"], digits))
  })

  it("issue 2: a bad permission or a bare word does not compile", () => {
    // @ts-expect-error "admin" is not a permission
    const s: Scope = "charge-points:admin"
    // @ts-expect-error a scope needs a permission
    const bare: Scope = "read"
    // @ts-expect-error "own" is not a permission
    const wrong: Permission = "own"
    // @ts-expect-error an entity is lower case
    const upper: Scope = "Charge-Points:read"
    // @ts-expect-error a string of unknown case is not known to be a scope: check it with isScope
    const entity: Scope = `${"Sites" as string}:read`
    // At run time these are not scopes either: they grant nothing and are granted nothing.
    assert.isFalse(grants([s], "charge-points:read"))
    assert.isFalse(grants(["all:delete"], bare))
    assert.isFalse(grants(["all:delete"], upper))
    assert.isFalse(grants(["all:delete"], entity))
    assert.strictEqual(wrong, "own")
  })

  it("issue 2: what the type cannot exclude, the run-time grammar does", () => {
    // These compile (the type only knows "lower case, then :permission"), as the JSDoc of Scope says ...
    const compiles: ReadonlyArray<Scope> = [":read", "a:b:read", "charge_points:read", "-sites:read", "si--tes:read"]
    // ... and are no scopes at run time: isScope rejects them and they grant nothing.
    for (const s of compiles) {
      assert.isFalse(isScope(s), s)
      assert.isFalse(grants([s], "charge-points:read"), s)
      assert.isFalse(grants(["all:delete"], s), s)
    }
  })
})
