/**
 * The provider's endpoint table: every operation of the Monta Partner API with the scope it
 * requires (normalized by `ScopeSpellings`) and how it pages. `requiredScope(method, path)` is what a
 * client checks before sending (SPEC H7).
 *
 * @since 0.1.0
 */
import * as internal from "./internal/endpoints.js"
import type { Scope } from "./Scope.js"

/**
 * How a list operation pages: `offset` (`page` / `perPage`), `cursor` (`after` / `before`, the next
 * cursor in `meta.after`) or `none` (not a paged list).
 *
 * @since 0.1.0
 * @category models
 */
export type PagingKind = "offset" | "cursor" | "none"

/**
 * One operation of the table. `scope` is `undefined` when no scope is known to be required: the
 * provider names none, or names one that cannot be read with certainty (see `ScopeSpellings`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint {
  /** Upper-case HTTP method. */
  readonly method: string
  /** Path template under `/api/v1`, e.g. `/charge-points/{chargePointId}`. */
  readonly template: string
  /** The scope the operation requires, normalized; `undefined` when none is known. */
  readonly scope: Scope | undefined
  /** How the operation pages, if it is a list. */
  readonly paging: PagingKind
  /** The provider's operationId, e.g. `get-charge-point`. */
  readonly operationId: string
}

/**
 * Every operation of the Monta Partner API (OpenAPI version 2024-01-18), in the provider's order.
 *
 * @since 0.1.0
 * @category data
 */
export const endpoints: ReadonlyArray<Endpoint> = internal.rows.map((
  [method, template, scope, paging, operationId]
) => ({
  method,
  template,
  scope: scope ?? undefined,
  paging,
  operationId
}))

interface Node {
  readonly literals: Map<string, Node>
  param: Node | undefined
  endpoint: Endpoint | undefined
}

const node = (): Node => ({ literals: new Map(), param: undefined, endpoint: undefined })

const isParam = (segment: string): boolean => segment.startsWith("{") && segment.endsWith("}")

// One segment trie per method, built once at module load.
const tries = new Map<string, Node>()
for (const endpoint of endpoints) {
  let current = tries.get(endpoint.method)
  if (current === undefined) {
    current = node()
    tries.set(endpoint.method, current)
  }
  for (const segment of endpoint.template.split("/").slice(1)) {
    if (isParam(segment)) {
      current = current.param ??= node()
    } else {
      let next: Node | undefined = current.literals.get(segment)
      if (next === undefined) {
        next = node()
        current.literals.set(segment, next)
      }
      current = next
    }
  }
  current.endpoint ??= endpoint
}

const segmentsOf = (path: string): ReadonlyArray<string> => {
  let rest = path
  const end = rest.search(/[?#]/)
  if (end >= 0) rest = rest.slice(0, end)
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(rest)
  if (origin !== null) rest = rest.slice(origin[0].length)
  while (rest.endsWith("/")) rest = rest.slice(0, -1)
  const segments = rest.split("/")
  if (segments[0] === "") segments.shift()
  return segments[0] === "api" && segments[1] === "v1" ? segments.slice(2) : segments
}

// A literal segment wins over a template segment (`/charge-points/map` before
// `/charge-points/{chargePointId}`); when the literal branch leads nowhere, the template is tried.
const find = (at: Node, segments: ReadonlyArray<string>, index: number): Endpoint | undefined => {
  if (index === segments.length) return at.endpoint
  const segment = segments[index]!
  const literal = at.literals.get(segment)
  const viaLiteral = literal === undefined ? undefined : find(literal, segments, index + 1)
  if (viaLiteral !== undefined || at.param === undefined || segment === "") return viaLiteral
  return find(at.param, segments, index + 1)
}

/**
 * The table's entry for a request: the method is case-insensitive; the path may carry the `/api/v1`
 * prefix (or a whole URL), a query string and a trailing slash; a template segment (`{chargePointId}`)
 * matches any non-empty segment, and a literal segment is preferred when both match. `undefined` when
 * the table has no such operation.
 *
 * @example
 * ```ts
 * import { endpointFor } from "@monta-auth/schema"
 *
 * endpointFor("get", "/api/v1/charge-points?page=0")?.paging // "offset"
 * endpointFor("GET", "/charge-points/map")?.operationId // "get-charge-point-map" (not get-charge-point)
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const endpointFor = (method: string, path: string): Endpoint | undefined => {
  const trie = tries.get(method.toUpperCase())
  return trie === undefined ? undefined : find(trie, segmentsOf(path), 0)
}

/**
 * The scope a request needs (SPEC section 2, H7), from the provider's endpoint table: `undefined` when
 * the operation is not in the table or needs no known scope, so the server decides.
 *
 * @example
 * ```ts
 * import { requiredScope } from "@monta-auth/schema"
 *
 * requiredScope("GET", "/charge-points/42") // "charge-points:read"
 * requiredScope("PATCH", "https://partner-api.monta.com/api/v1/charge-points/42/") // "charge-points:write"
 * requiredScope("GET", "/vehicles/7") // "vehicles:read" (the provider writes "vehicle:read")
 * requiredScope("GET", "/no-such-thing") // undefined
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const requiredScope = (method: string, path: string): Scope | undefined => endpointFor(method, path)?.scope
