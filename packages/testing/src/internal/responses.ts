import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { fairUsePolicy, httpStatusNames } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"

/** @internal */
export const statusMessages: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

const statusNameOf = new Map(Object.entries(httpStatusNames).map(([name, code]) => [code, name]))

/**
 * The `status` of an error body: the status name as the provider writes it (Spring's
 * `HttpStatus`, `"UNAUTHORIZED"`), the number for a status without a known name.
 *
 * @internal
 */
export const statusName = (status: number): string | number => statusNameOf.get(status) ?? status

/** @internal */
export const defaultErrorCode = (status: number): string => {
  switch (status) {
    case 400:
      return "BAD_REQUEST"
    case 401:
      return "INVALID_ACCESS_TOKEN"
    case 403:
      return "ACCESS_FORBIDDEN"
    case 404:
      return "RESOURCE_NOT_FOUND"
    case 405:
      return "METHOD_NOT_ALLOWED"
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE"
    case 429:
      return "RATE_LIMIT_EXCEEDED"
    default:
      return status >= 500 ? "INTERNAL_SERVER_ERROR" : "UNKNOWN_ERROR"
  }
}

/** @internal */
export const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

/** What some of the provider's error examples add: a message for people and the subject. @internal */
export interface ErrorDetail {
  readonly readableMessage?: string | undefined
  readonly context?: string | undefined
}

/**
 * An error body shaped as the OpenAPI examples: `{status, message, errorCode}` with `status` the
 * status name, plus `readableMessage` and `context` where given.
 *
 * @internal
 */
export const errorBody = (status: number, errorCode: string, message: string, detail: ErrorDetail = {}) => ({
  status: statusName(status),
  message,
  errorCode,
  ...(detail.readableMessage !== undefined ? { readableMessage: detail.readableMessage } : {}),
  ...(detail.context !== undefined ? { context: detail.context } : {})
})

/** @internal */
export const errorResponse = (status: number, errorCode: string, message: string, detail: ErrorDetail = {}) =>
  json(errorBody(status, errorCode, message, detail), status)

/** @internal */
export const badRequest = (message: string) => errorResponse(400, "BAD_REQUEST", message)

/** The policy header of the endpoints counted against the consumer's quota. @internal */
export const quotaPolicy = "Quota"

/** The fair-use policy header the auth endpoints send. @internal */
export const fairUse = (response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.setHeader(response, "RateLimit-Policy", fairUsePolicy)

/** A JSON endpoint's answer to a body that is not JSON, with the `Accept` header Spring sends. */
const unsupportedMediaType = (contentType: string) =>
  errorResponse(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    `Content-Type ${contentType === "" ? "missing" : `'${contentType}' is not supported`}: send application/json`
  ).pipe(HttpServerResponse.setHeader("Accept", "application/json"))

/** @internal */
export const describeParseError = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
    `${issue.path.length > 0 ? issue.path.join(".") + ": " : ""}${issue.message}`
  ).join("; ")

const isJsonContentType = (contentType: string) => {
  const lower = contentType.toLowerCase()
  return lower.startsWith("application/json") || /^application\/[a-z0-9.+-]*\+json/.test(lower)
}

/**
 * Reads a JSON request body the way a Spring `@RequestBody` endpoint would, or gives its error:
 * a Content-Type that is not JSON is 415 (so is a body without one); no body is 400, and so is
 * malformed JSON.
 *
 * @internal
 */
export const readJsonBody: Effect.Effect<
  Either.Either<unknown, HttpServerResponse.HttpServerResponse>,
  never,
  HttpServerRequest.HttpServerRequest
> = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const contentType = (request.headers["content-type"] ?? "").trim()
  if (contentType !== "" && !isJsonContentType(contentType)) return Either.left(unsupportedMediaType(contentType))
  const text = yield* Effect.either(request.text)
  if (Either.isLeft(text)) return Either.left(badRequest("Could not read the request body"))
  if (text.right.length === 0) return Either.left(badRequest("Required request body is missing"))
  if (contentType === "") return Either.left(unsupportedMediaType(contentType))
  try {
    return Either.right(JSON.parse(text.right) as unknown)
  } catch {
    return Either.left(badRequest("Malformed JSON request body"))
  }
})
