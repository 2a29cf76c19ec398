/**
 * The provider's `Consumer`, the payload of `GET /consumers/me` (and of the deprecated
 * `GET /auth/me`): what a credential is and what it may do.
 *
 * @since 0.1.0
 */
import * as Arr from "effect/Array"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { MontaDateTime } from "./MontaDateTime.js"
import { isScope, Scope } from "./Scope.js"

// The fields of the payload, `scopes` holding only scopes of the grammar. `Me` decodes from its
// encoded side (where `scopes` is any array of strings) and adds the scopes the grammar rejects.
// Required and optional as the provider's OpenAPI `Consumer` marks them. `operatorIds` empty:
// every child operator; `teamIds` empty: every team.
class MeFields extends Schema.Class<MeFields>("@monta-auth/schema/Me/Fields")({
  clientId: Schema.String,
  name: Schema.String,
  operatorIds: Schema.Array(Schema.Int),
  teamIds: Schema.Array(Schema.Int),
  scopes: Schema.Array(Scope),
  createdAt: MontaDateTime,
  operatorId: Schema.optional(Schema.Int),
  rateLimit: Schema.optional(Schema.Int.pipe(Schema.positive())),
  rateLimitIntervalInSeconds: Schema.optional(Schema.Number.pipe(Schema.positive())),
  updatedAt: Schema.optional(MontaDateTime)
}) {}

/**
 * The credential behind a token: its name, operators and teams (empty = all of them), scopes, and
 * the rate limit when the provider says it (`rateLimit`, `rateLimitIntervalInSeconds`, optional
 * like `operatorId` and `updatedAt`; `clientId`, `name`, `operatorIds`, `teamIds`, `scopes` and
 * `createdAt` are required). Unknown extra fields are tolerated and dropped.
 *
 * Scopes of either shape the provider shows are kept: `entity:permission` strings (`all:delete`)
 * in `scopes`; entity names alone (`charge-points`, the OpenAPI enum's shape) grant nothing here
 * and are listed in `unrecognizedScopes`, where the server, not this library, decides.
 *
 * One scope outside the grammar (a permission such as `charge-points:admin`, an entity such as
 * `Charge-Points`) does not fail the payload: it is left out of `scopes`, so it grants nothing,
 * and kept as it was sent in `unrecognizedScopes` (empty when there is none). Encoding writes
 * `scopes` followed by `unrecognizedScopes` back into the one `scopes` array of the wire, so a
 * payload whose unrecognized scopes come last encodes back to the same JSON.
 *
 * @example
 * ```ts
 * import { grants, Me } from "@monta-auth/schema"
 * import { Schema } from "effect"
 *
 * const me = Schema.decodeUnknownSync(Me)({
 *   name: "Partner API Demo",
 *   operatorId: 42,
 *   operatorIds: [],
 *   teamIds: [],
 *   clientId: "73d86c7f-48de-4a0f-bd3c-da243e16b630",
 *   createdAt: "2024-01-18T10:00:00Z",
 *   rateLimit: 1000,
 *   rateLimitIntervalInSeconds: 600,
 *   scopes: ["ocpp2-logs:read", "charge-points:admin"]
 * })
 * me.scopes // ["ocpp2-logs:read"]
 * me.unrecognizedScopes // ["charge-points:admin"]
 * grants(me.scopes, "charge-points:read") // false
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export class Me extends MeFields.transformOrFailFrom<Me>("@monta-auth/schema/Me")(
  {
    unrecognizedScopes: Schema.optionalWith(Schema.Array(Schema.String), { default: (): ReadonlyArray<string> => [] })
  },
  {
    decode: (payload) => {
      const [unrecognizedScopes, scopes] = Arr.partition(payload.scopes, isScope)
      return ParseResult.succeed({ ...payload, scopes, unrecognizedScopes })
    },
    encode: ({ unrecognizedScopes = [], ...me }) =>
      ParseResult.succeed({ ...me, scopes: [...me.scopes, ...unrecognizedScopes] })
  }
) {}

/**
 * The provider's name for `Me`: the `Consumer` schema of its OpenAPI document.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Consumer: typeof Me = Me

/**
 * A decoded `Consumer` (the same as `Me`).
 *
 * @since 0.1.0
 * @category models
 */
export type Consumer = Me
