/**
 * Error bodies of the Monta Partner API. They are not documented, so every field is optional
 * and a body of any other shape still decodes (to an empty value).
 *
 * @since 0.1.0
 */
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

// A field of the wrong type (or `undefined`) is dropped: the key is absent from the decoded value,
// never present with an explicit `undefined` (which `exactOptionalPropertyTypes` would not allow).
const lenient = <A>(schema: Schema.Schema<A>) =>
  Schema.optionalToOptional(Schema.Unknown, schema, {
    decode: Option.filter(Schema.is(schema)),
    encode: identity
  })

/**
 * `{status, message, errorCode}`, each optional; a field of the wrong type is dropped (its key is
 * absent) rather than failing the whole body.
 *
 * @example
 * ```ts
 * import { decodeMontaErrorBody } from "@monta-auth/schema"
 *
 * decodeMontaErrorBody({ status: "x", errorCode: "ACCESS_FORBIDDEN" }) // { errorCode: "ACCESS_FORBIDDEN" }
 * decodeMontaErrorBody("<html>Bad Gateway</html>") // {}
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export class MontaErrorBody extends Schema.Class<MontaErrorBody>("@monta-auth/schema/MontaErrorBody")({
  status: lenient(Schema.Number),
  message: lenient(Schema.String),
  errorCode: lenient(Schema.String)
}) {}

const decodeBody = Schema.decodeUnknownOption(MontaErrorBody)
const decodeJson = Schema.decodeUnknownOption(Schema.parseJson())

/**
 * Decodes whatever an error response carried (parsed JSON, a JSON string or anything else) to a
 * `MontaErrorBody`, never failing: a body that is not an object yields an empty one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeMontaErrorBody = (body: unknown): MontaErrorBody => {
  const value = typeof body === "string" ? Option.getOrUndefined(decodeJson(body)) : body
  return Option.getOrElse(decodeBody(value), () => new MontaErrorBody({}))
}

/**
 * Error codes the API is known or assumed to send.
 *
 * @since 0.1.0
 * @category models
 */
export const knownErrorCodes = [
  "CONSUMER_NOT_FOUND",
  "INVALID_ACCESS_TOKEN",
  "INVALID_REFRESH_TOKEN",
  "ACCESS_FORBIDDEN",
  "RESOURCE_NOT_FOUND",
  "BAD_REQUEST",
  "RATE_LIMIT_EXCEEDED",
  "INTERNAL_SERVER_ERROR"
] as const
