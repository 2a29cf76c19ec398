/**
 * The payload of `GET /auth/me`: what a credential is and what it may do.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Scope } from "./Scope.js"

/**
 * The credential behind a token: its name, operator, teams (empty = the whole operator), rate
 * limit and scopes. Unknown extra fields are tolerated and dropped.
 *
 * @since 0.1.0
 * @category schemas
 */
export class Me extends Schema.Class<Me>("@monta-auth/schema/Me")({
  name: Schema.String,
  operatorId: Schema.Number,
  teamIds: Schema.Array(Schema.Number),
  clientId: Schema.String,
  rateLimit: Schema.Int.pipe(Schema.positive()),
  rateLimitIntervalInSeconds: Schema.Number.pipe(Schema.positive()),
  scopes: Schema.Array(Scope)
}) {}
