/**
 * Monta Partner API scopes: `entity:permission`, where the permission is `read`, `write` or
 * `delete` (each including the ones before it) and the entity `all` covers every entity.
 *
 * @since 0.1.0
 */
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * The three permissions, from weakest to strongest: each includes the ones before it.
 *
 * @since 0.1.0
 * @category models
 */
export const permissions = ["read", "write", "delete"] as const

/**
 * A scope's permission: `read` < `write` < `delete`.
 *
 * @since 0.1.0
 * @category models
 */
export type Permission = typeof permissions[number]

/**
 * The entities the Monta documentation names today. New ones appear: a scope with any other
 * entity of lowercase letters and digits in words joined by single hyphens (`ocpp2-logs`) still
 * parses.
 *
 * @since 0.1.0
 * @category models
 */
export const knownEntities = [
  "all",
  "charge-points",
  "charges",
  "charge-transactions",
  "wallet-transactions",
  "sites",
  "teams",
  "team-members",
  "users",
  "vehicles",
  "control-charging",
  "charge-auth-tokens",
  "price-groups",
  "tariffs",
  "webhooks",
  "reports",
  "insights"
] as const

/**
 * An entity the documentation names (`all` is the wildcard).
 *
 * @since 0.1.0
 * @category models
 */
export type KnownEntity = typeof knownEntities[number]

/**
 * A scope string. Known entities autocomplete (`"charge-points:` offers `read`, `write` and
 * `delete`); any other lowercase entity is accepted with a valid permission
 * (`"ocpp2-logs:read"`); a bad permission (`"charge-points:admin"`) or an entity with an upper-case
 * letter (`"Charge-Points:read"`) does not compile.
 *
 * The type cannot spell out the whole entity grammar, so some strings compile that the run-time
 * check (the `Scope` schema, `isScope`, `parseScope`) rejects: an empty entity (`":read"`), a
 * second colon (`"a:b:read"`), characters other than letters, digits and single inner hyphens
 * (`"charge_points:read"`, `"sites :read"`, `"-sites:read"`, `"si--tes:read"`). Decode untrusted
 * input with the schema.
 *
 * @since 0.1.0
 * @category models
 */
export type Scope =
  | `${KnownEntity}:${Permission}`
  // The `& {}` keeps the known literals from being absorbed by the patterns, so editors still
  // offer them as completions.
  | (`${Lowercase<string>}:read` & {})
  | (`${Lowercase<string>}:write` & {})
  | (`${Lowercase<string>}:delete` & {})

const entityPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

const problem = (input: string): string | undefined => {
  const parts = input.split(":")
  if (parts.length !== 2) {
    return parts.length < 2
      ? `expected "entity:permission" (for example "charge-points:read"), got ${JSON.stringify(input)}`
      : `expected exactly one ":" in "entity:permission", got ${JSON.stringify(input)}`
  }
  const [entity, permission] = parts as [string, string]
  if (entity.length === 0) {
    return `missing entity before ":" in ${JSON.stringify(input)}`
  }
  if (!entityPattern.test(entity)) {
    const rule = "must be lowercase letters and digits in words joined by single hyphens"
    return `entity ${JSON.stringify(entity)} ${rule}, in ${JSON.stringify(input)}`
  }
  if (permission.length === 0) {
    return `missing permission after ":" in ${JSON.stringify(input)} (expected read, write or delete)`
  }
  if (!(permissions as ReadonlyArray<string>).includes(permission)) {
    return `unknown permission ${JSON.stringify(permission)} in ${
      JSON.stringify(input)
    } (expected read, write or delete)`
  }
  return undefined
}

/**
 * Whether a value is a scope string of the grammar: `entity:permission`, the entity lowercase
 * letters and digits in words joined by single hyphens, the permission `read`, `write` or
 * `delete`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isScope = (input: unknown): input is Scope => typeof input === "string" && problem(input) === undefined

/**
 * The schema of a scope string. Decoding fails with a message that says what is wrong with the
 * input (`"read"`, `"charge-points:"`, `":read"`, `"Charge-Points:read"`, `"a:b:c"` each get
 * their own).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Scope: Schema.Schema<Scope, string> = Schema.String.pipe(
  Schema.filter(isScope, {
    identifier: "Scope",
    description: "a Monta scope: entity:permission, permission read | write | delete",
    message: (issue) => problem(String(issue.actual)) ?? `expected a Monta scope, got ${String(issue.actual)}`
  })
)

/**
 * A scope split into its entity and permission.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedScope {
  readonly entity: string
  readonly permission: Permission
}

/**
 * Parses a scope string, failing with a readable message.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseScope = (input: string): Either.Either<ParsedScope, string> => {
  const error = problem(input)
  if (error !== undefined) return Either.left(error)
  const [entity, permission] = input.split(":") as [string, Permission]
  return Either.right({ entity, permission })
}

/**
 * Decodes unknown input as a `Scope`, failing with a `ParseError`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeScope: (input: unknown) => Either.Either<Scope, ParseResult.ParseError> = Schema.decodeUnknownEither(
  Scope
)

/**
 * The rank of a permission: `read` 0, `write` 1, `delete` 2.
 *
 * @since 0.1.0
 * @category utils
 */
export const permissionLevel = (permission: Permission): number => permissions.indexOf(permission)

// `grants` runs before every request (H7): a scope is parsed once, not per request. The cache is
// bounded (scopes are a few dozen strings; anything beyond the bound is parsed each time).
const parsed = new Map<string, ParsedScope | undefined>()
const parseUnsafe = (scope: string): ParsedScope | undefined => {
  if (parsed.has(scope)) return parsed.get(scope)
  const result = Either.getOrUndefined(parseScope(scope))
  if (parsed.size < 1_024) parsed.set(scope, result)
  return result
}

/**
 * Whether the granted scopes allow what `required` asks: a granted scope covers the required
 * one when its entity is the same or `all`, and its permission is at least as strong
 * (`delete` includes `write` includes `read`). Unparseable scopes grant nothing.
 *
 * @example
 * ```ts
 * import { grants } from "@monta-auth/schema"
 *
 * grants(["charge-points:delete"], "charge-points:read") // true
 * grants(["all:read"], "wallet-transactions:read") // true
 * grants(["all:read"], "sites:write") // false
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const grants = (granted: Scope | Iterable<Scope>, required: Scope): boolean => {
  const want = parseUnsafe(required)
  if (want === undefined) return false
  const list = typeof granted === "string" ? [granted] : Arr.fromIterable(granted)
  return list.some((scope) => {
    const have = parseUnsafe(scope)
    return have !== undefined &&
      (have.entity === "all" || have.entity === want.entity) &&
      permissionLevel(have.permission) >= permissionLevel(want.permission)
  })
}

/**
 * The required scopes that `granted` does not cover (empty when all are granted).
 *
 * @since 0.1.0
 * @category utils
 */
export const missingScopes = (
  granted: Iterable<Scope>,
  required: Iterable<Scope>
): Array<Scope> => {
  const have = Arr.fromIterable(granted)
  return Arr.fromIterable(required).filter((scope) => !grants(have, scope))
}
