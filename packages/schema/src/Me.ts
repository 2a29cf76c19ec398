/**
 * The payload of `GET /auth/me`: what a credential is and what it may do.
 *
 * @since 0.1.0
 */
import * as Arr from "effect/Array"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { isScope, Scope } from "./Scope.js"

// The fields of the payload, `scopes` holding only scopes of the grammar. `Me` decodes from its
// encoded side (where `scopes` is any array of strings) and adds the scopes the grammar rejects.
class MeFields extends Schema.Class<MeFields>("@monta-auth/schema/Me/Fields")({
  name: Schema.String,
  operatorId: Schema.Number,
  teamIds: Schema.Array(Schema.Number),
  clientId: Schema.String,
  rateLimit: Schema.Int.pipe(Schema.positive()),
  rateLimitIntervalInSeconds: Schema.Number.pipe(Schema.positive()),
  scopes: Schema.Array(Scope)
}) {}

/**
 * The credential behind a token: its name, operator, teams (empty = the whole operator), rate
 * limit and scopes. Unknown extra fields are tolerated and dropped.
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
 *   teamIds: [],
 *   clientId: "73d86c7f-48de-4a0f-bd3c-da243e16b630",
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
