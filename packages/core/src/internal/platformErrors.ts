/**
 * What MontaHttpClient hands back from the platform, without its bearer token (H8).
 *
 * The platform keeps the request it sent on every response and on every `RequestError` and
 * `ResponseError`, headers included, and `JSON.stringify` / `util.inspect` of them print the
 * `authorization` header in clear. MontaHttpClient adds that header only for the send itself, so
 * it can hand the caller the request as the caller made it: responses and errors carry the
 * request without the token.
 *
 * @internal
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Stream from "effect/Stream"

/**
 * A response that answers `request` with the request as the caller made it and delegates
 * everything else to the platform's response (whose body is read at most once). Errors from
 * reading the body carry this response and that request.
 */
class ResponseWithRequest implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly original: HttpClientResponse.HttpClientResponse
  ) {}
  private own<A, R>(
    effect: Effect.Effect<A, HttpClientError.ResponseError, R>
  ): Effect.Effect<A, HttpClientError.ResponseError, R> {
    return Effect.mapError(effect, (error) => this.error(error))
  }
  private error(error: HttpClientError.ResponseError): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: error.reason,
      ...(error.cause !== undefined ? { cause: error.cause } : {}),
      ...(error.description !== undefined ? { description: error.description } : {})
    })
  }
  get status() {
    return this.original.status
  }
  get headers() {
    return this.original.headers
  }
  get cookies() {
    return this.original.cookies
  }
  get remoteAddress() {
    return this.original.remoteAddress
  }
  get formData() {
    return this.own(this.original.formData)
  }
  get text() {
    return this.own(this.original.text)
  }
  get json() {
    return this.own(this.original.json)
  }
  get urlParamsBody() {
    return this.own(this.original.urlParamsBody)
  }
  get arrayBuffer() {
    return this.own(this.original.arrayBuffer)
  }
  get stream() {
    return Stream.mapError(this.original.stream, (error) => this.error(error))
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
  toString(): string {
    return Inspectable.format(this.toJSON())
  }
  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

/** The response with `request` in place of the request that was sent (see `ResponseWithRequest`). */
export const withRequest = (
  response: HttpClientResponse.HttpClientResponse,
  request: HttpClientRequest.HttpClientRequest
): HttpClientResponse.HttpClientResponse =>
  response instanceof ResponseWithRequest && response.request === request
    ? response
    : new ResponseWithRequest(request, response)

/** The platform's error with `request` in place of the request that was sent. */
export const errorWithRequest = (
  error: HttpClientError.HttpClientError,
  request: HttpClientRequest.HttpClientRequest
): HttpClientError.HttpClientError =>
  error._tag === "RequestError"
    ? new HttpClientError.RequestError({
      request,
      reason: error.reason,
      ...(error.cause !== undefined ? { cause: error.cause } : {}),
      ...(error.description !== undefined ? { description: error.description } : {})
    })
    : new HttpClientError.ResponseError({
      request,
      response: error.response instanceof ResponseWithRequest ? error.response : withRequest(error.response, request),
      reason: error.reason,
      ...(error.cause !== undefined ? { cause: error.cause } : {}),
      ...(error.description !== undefined ? { description: error.description } : {})
    })
