/**
 * SPEC H7 "the request's required scope (the provider's endpoint table) is checked", SPEC section 2
 * `requiredScope(method, path)`, issue 12 item 4: the table from
 * `/work/shared/reference/monta-partner-api-endpoints.json` (vendored as `data/`), normalized.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { render, suspiciousSpellings } from "../../../scripts/generate-endpoints.js"
import { endpointFor, endpoints, isScope, normalizeScope, requiredScope, ScopeSpellings } from "../src/index.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const jsonText = fs.readFileSync(path.join(here, "..", "data", "monta-partner-api-endpoints.json"), "utf8")
const json = JSON.parse(jsonText) as {
  readonly endpoints: ReadonlyArray<
    { readonly method: string; readonly path: string; readonly requiredScope: string | null; readonly paging: string }
  >
}

// A concrete path for a template: each `{param}` replaced by a value no literal segment uses.
const concrete = (template: string) => template.replace(/\{[^}]+\}/g, "x42")

describe("the endpoint table (SPEC H7, issue 12 item 4)", () => {
  it("H7: the committed internal/endpoints.ts and its row modules are what the generator renders from the JSON now", () => {
    const rendered = render(json)
    assert.isAtLeast(Object.keys(rendered).length, 2)
    for (const [name, text] of Object.entries(rendered)) {
      const committed = fs.readFileSync(path.join(here, "..", "src", "internal", name), "utf8")
      assert.strictEqual(committed, text, name)
    }
    assert.strictEqual(endpoints.length, 188)
    assert.strictEqual(json.endpoints.length, 188)
  })

  it("H7: every endpoint of the JSON resolves, on a concrete path, to its normalized scope and paging", () => {
    for (const raw of json.endpoints) {
      const url = concrete(raw.path)
      const expected = normalizeScope(raw.requiredScope)
      assert.strictEqual(requiredScope(raw.method, url), expected, `${raw.method} ${url}`)
      assert.strictEqual(requiredScope(raw.method.toLowerCase(), `/api/v1${url}/?page=0`), expected, url)
      const entry = endpointFor(raw.method, url)
      assert.strictEqual(entry?.template, raw.path, `${raw.method} ${url}`)
      assert.strictEqual(entry?.paging, raw.paging)
      if (expected !== undefined) assert.isTrue(isScope(expected), expected)
    }
  })

  it("H7: the provider's misspellings are normalized, the uncertain ones are unknown", () => {
    assert.strictEqual(requiredScope("GET", "/tariff-period-groups/7"), "tariffs:read")
    assert.strictEqual(requiredScope("GET", "/vehicles/7"), "vehicles:read")
    assert.strictEqual(requiredScope("GET", "/vehicles/integration/7"), "vehicles:read")
    assert.strictEqual(requiredScope("DELETE", "/deeplinks/7"), "deeplinks:delete")
    assert.strictEqual(
      requiredScope("POST", "/wallet-transactions/operator-adjustment-transaction"),
      "wallet-transactions:write"
    )
    assert.isUndefined(requiredScope("PATCH", "/wallet-transactions/7"))
    assert.isUndefined(requiredScope("GET", "/operators"))
    assert.isUndefined(requiredScope("GET", "/operators/7"))
    assert.isUndefined(requiredScope("GET", "/afir/charge-points"))
    assert.isDefined(endpointFor("GET", "/afir/charge-points"))
    assert.isUndefined(requiredScope("POST", "/auth/token"))
  })

  it("H7: every spelling that is not entity:permission or has a plural twin is explained by ScopeSpellings", () => {
    const found = suspiciousSpellings(json)
    assert.deepStrictEqual([...found].sort(), Object.keys(ScopeSpellings).sort())
    assert.includeMembers([...found], [
      "tariff:read",
      "vehicle:read",
      "deeplink:delete",
      "operators",
      "transaction:write"
    ])
    const normalized = new Set(endpoints.flatMap((e) => (e.scope === undefined ? [] : [e.scope])))
    for (const scope of ["tariff:read", "vehicle:read", "deeplink:delete", "wallet-transaction:write"]) {
      assert.isFalse(normalized.has(scope as never), scope)
    }
    assert.throws(() => render({ endpoints: [{ ...json.endpoints[0], requiredScope: "sites" }] }), /ScopeSpellings/)
  })

  it("H7: a literal segment wins over a template segment", () => {
    assert.strictEqual(requiredScope("GET", "/charge-points/map"), "map:read")
    assert.strictEqual(endpointFor("GET", "/charge-points/map")?.template, "/charge-points/map")
    assert.strictEqual(requiredScope("GET", "/charge-points/42"), "charge-points:read")
    assert.strictEqual(endpointFor("GET", "/charge-points/42")?.template, "/charge-points/{chargePointId}")
    assert.strictEqual(endpointFor("GET", "/charges/insights")?.template, "/charges/insights")
    assert.strictEqual(endpointFor("GET", "/charges/9")?.template, "/charges/{chargeId}")
    // The literal `map` exists only for GET: a PATCH of charge point "map" is the template.
    assert.strictEqual(endpointFor("PATCH", "/charge-points/map")?.template, "/charge-points/{chargePointId}")
  })

  it("H7: paths with or without /api/v1, a whole URL, a query string, a trailing slash; any method case", () => {
    for (const url of ["/charge-points/42", "/api/v1/charge-points/42", "charge-points/42", "/charge-points/42/"]) {
      assert.strictEqual(requiredScope("GET", url), "charge-points:read", url)
    }
    assert.strictEqual(
      requiredScope("delete", "https://partner-api.monta.com/api/v1/charge-points/42?x=1#f"),
      "charge-points:delete"
    )
    assert.strictEqual(endpointFor("get", "/charge-points?page=1&perPage=100")?.paging, "offset")
    assert.strictEqual(endpointFor("GET", "/auditlog/events?after=abc")?.paging, "cursor")
  })

  it("H7: an unknown path, method or shape is undefined (the server decides)", () => {
    assert.isUndefined(endpointFor("GET", "/no-such-thing"))
    assert.isUndefined(requiredScope("GET", "/charge-points/42/nope"))
    assert.isUndefined(requiredScope("TRACE", "/charge-points/42"))
    assert.isUndefined(endpointFor("GET", "/charge-points//map"))
    assert.isUndefined(requiredScope("GET", "/api/v2/charge-points"))
    assert.isUndefined(requiredScope("GET", ""))
  })
})
