/**
 * Error bodies of the Monta Partner API. The documented examples are `{status, message, errorCode}`
 * with `status` the HTTP status *name* (`"UNAUTHORIZED"`), some with `readableMessage` and `context`;
 * nothing guarantees that shape, so every field is optional and a body of any other shape still
 * decodes (to an empty value).
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

const StatusName = Schema.String.pipe(Schema.pattern(/^[A-Z][A-Z0-9_]*$/))

// `context` may be any JSON value; `null` counts as absent.
const context = Schema.optionalToOptional(Schema.Unknown, Schema.Unknown, {
  decode: Option.filter((value) => value !== undefined && value !== null),
  encode: identity
})

/**
 * HTTP status names as the provider writes them (Spring's `HttpStatus`), with their codes.
 *
 * @since 0.1.0
 * @category models
 */
export const httpStatusNames: { readonly [name: string]: number } = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  GONE: 410,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_ENTITY: 422,
  LOCKED: 423,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504
}

/**
 * `{status, message, errorCode, readableMessage, context}`, each optional; a field of the wrong type
 * is dropped (its key is absent) rather than failing the whole body. `status` is the status name the
 * provider sends (`"NOT_FOUND"`, upper-case letters, digits and `_`) or a number; `statusCode` gives
 * the number either way.
 *
 * @example
 * ```ts
 * import { decodeMontaErrorBody } from "@monta-auth/schema"
 *
 * decodeMontaErrorBody({ status: "x", errorCode: "ACCESS_FORBIDDEN" }) // { errorCode: "ACCESS_FORBIDDEN" }
 * decodeMontaErrorBody(`{"status":"UNAUTHORIZED","errorCode":"INVALID_ACCESS_TOKEN"}`).statusCode // 401
 * decodeMontaErrorBody("<html>Bad Gateway</html>") // {}
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export class MontaErrorBody extends Schema.Class<MontaErrorBody>("@monta-auth/schema/MontaErrorBody")({
  status: lenient(Schema.Union(StatusName, Schema.Number)),
  message: lenient(Schema.String),
  errorCode: lenient(Schema.String),
  readableMessage: lenient(Schema.String),
  context
}) {
  /**
   * The HTTP status as a number: `status` itself when it is one, the code of a known status name
   * (`"UNAUTHORIZED"` is 401), otherwise `undefined`.
   *
   * @since 0.1.0
   * @category getters
   */
  get statusCode(): number | undefined {
    const status = this.status
    if (typeof status === "number" || status === undefined) return status
    return Object.prototype.hasOwnProperty.call(httpStatusNames, status) ? httpStatusNames[status] : undefined
  }
}

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
