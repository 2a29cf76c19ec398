/**
 * Issue 2 "`Scope`: a template-literal TypeScript type so `"charge-points:write"` autocompletes and
 * `"charge-points:admin"` does not compile". `tsc` checks this file (the root and package tsconfigs
 * include `test/`): if `Scope` accepted any string, the `@ts-expect-error` lines would fail the build.
 */
import { assert, describe, it } from "@effect/vitest"
import { grants, type KnownEntity, type Permission, type Scope } from "../src/index.js"

describe("Scope type (issue 2 template-literal type)", () => {
  it("issue 2: known and unknown entities with a valid permission compile", () => {
    const known: Scope = "charge-points:write"
    const unknown: Scope = "brand-new-thing:read"
    const full: Scope = "all:delete"
    const entity: KnownEntity = "wallet-transactions"
    const permission: Permission = "delete"
    assert.isTrue(grants([full], known))
    assert.isTrue(grants([`${entity}:${permission}`], `${entity}:read`))
    assert.isFalse(grants([known], unknown))
  })

  it("issue 2: a bad permission or a bare word does not compile", () => {
    // @ts-expect-error "admin" is not a permission
    const s: Scope = "charge-points:admin"
    // @ts-expect-error a scope needs a permission
    const bare: Scope = "read"
    // @ts-expect-error "own" is not a permission
    const wrong: Permission = "own"
    // At run time these are not scopes either: they grant nothing and are granted nothing.
    assert.isFalse(grants([s], "charge-points:read"))
    assert.isFalse(grants(["all:delete"], bare))
    assert.strictEqual(wrong, "own")
  })
})
