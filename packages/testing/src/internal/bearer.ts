import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { Scope } from "@monta-auth/schema"
import { grants, requiredScope } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CurrentRequest, pathOf } from "./request.js"
import { errorResponse, fairUse, json, quotaPolicy } from "./responses.js"
import type { Consumer, State, Window } from "./state.js"

type Authenticated = Either.Either<Consumer, HttpServerResponse.HttpServerResponse>

/** The consumer of the request's bearer token, or the 401 answer. */
const authenticate = (
  state: State
): Effect.Effect<Authenticated, never, CurrentRequest | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const info = yield* CurrentRequest
    const request = yield* HttpServerRequest.HttpServerRequest
    const header = request.headers["authorization"] ?? ""
    const match = /^bearer\s+(\S+)\s*$/i.exec(header)
    const invalid = (message: string) => Either.left(errorResponse(401, "INVALID_ACCESS_TOKEN", message))
    if (match === null) return invalid("Missing bearer token")
    const record = state.access.get(match[1]!)
    if (record === undefined) return invalid("Unknown access token")
    info.clientId = record.clientId
    const consumer = state.consumers.get(record.clientId)
    if (record.revoked || consumer === undefined || consumer.revoked) return invalid("Access token revoked")
    if (info.now >= record.expiresAt) return invalid("Access token expired")
    return Either.right(consumer)
  })

const rateLimitHeaders = (consumer: Consumer, window: Window, now: number) => {
  const resetsIn = Math.max(
    0,
    Math.ceil((window.start + consumer.rateLimitIntervalInSeconds * 1000 - now) / 1000)
  )
  return {
    resetsIn,
    headers: {
      "RateLimit-Policy": quotaPolicy,
      "RateLimit-Quota": String(consumer.rateLimit),
      "RateLimit-TimeWindow": String(consumer.rateLimitIntervalInSeconds),
      "RateLimit-Remaining": String(Math.max(0, consumer.rateLimit - window.count)),
      "RateLimit-ResetsIn": String(resetsIn)
    }
  }
}

/** The scope the endpoint table requires for the request (HEAD as GET), `undefined` when none. */
const scopeOf = (request: HttpServerRequest.HttpServerRequest): Scope | undefined =>
  requiredScope(request.method === "HEAD" ? "GET" : request.method, pathOf(request.url))

/**
 * Authenticates, counts against the consumer's window, checks the scope the provider's endpoint
 * table names for the route (`requiredScope` of `@monta-auth/schema`), then runs `f`. Every
 * answer after authentication carries the `RateLimit-*` headers.
 *
 * @internal
 */
export const bearer = <R>(
  state: State,
  f: (consumer: Consumer) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
) =>
  Effect.gen(function*() {
    const info = yield* CurrentRequest
    const request = yield* HttpServerRequest.HttpServerRequest
    const authenticated = yield* authenticate(state)
    if (Either.isLeft(authenticated)) return authenticated.left
    const consumer = authenticated.right
    const limited = yield* Effect.sync(() => {
      const now = info.now
      let window = state.windows.get(consumer.clientId)
      if (window === undefined || now >= window.start + consumer.rateLimitIntervalInSeconds * 1000) {
        window = { start: now, count: 0 }
        state.windows.set(consumer.clientId, window)
      }
      if (window.count >= consumer.rateLimit) {
        return Either.left(rateLimitHeaders(consumer, window, now))
      }
      window.count++
      return Either.right(rateLimitHeaders(consumer, window, now))
    })
    if (Either.isLeft(limited)) {
      return errorResponse(429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded").pipe(
        HttpServerResponse.setHeaders(limited.left.headers),
        HttpServerResponse.setHeader("Retry-After", String(limited.left.resetsIn))
      )
    }
    const required = scopeOf(request)
    const response = required === undefined || grants(consumer.scopes, required)
      ? yield* f(consumer)
      : errorResponse(403, "ACCESS_FORBIDDEN", `Missing scope ${required}`, {
        readableMessage: `The API credential does not have the scope ${required}`
      })
    return HttpServerResponse.setHeaders(response, limited.right.headers)
  })

/**
 * The provider's `Consumer` as the service writes it: scopes as configured, even ones outside the
 * grammar this version knows (a test of a client's tolerance adds them with a cast), and the
 * optional fields unless the consumer omits them.
 *
 * @internal
 */
export const consumerJson = (consumer: Consumer) => ({
  name: consumer.name,
  ...(consumer.omitOptionalFields ? {} : { operatorId: consumer.operatorId }),
  operatorIds: [...consumer.operatorIds],
  teamIds: [...consumer.teamIds],
  clientId: consumer.clientId,
  ...(consumer.omitOptionalFields ? {} : {
    rateLimit: consumer.rateLimit,
    rateLimitIntervalInSeconds: consumer.rateLimitIntervalInSeconds
  }),
  scopes: [...consumer.scopes],
  createdAt: consumer.createdAt,
  ...(consumer.omitOptionalFields ? {} : { updatedAt: consumer.updatedAt })
})

/** `GET /consumers/me`: authenticated, no scope, outside the consumer's rate window. @internal */
export const consumerHandler = (state: State) =>
  Effect.gen(function*() {
    const authenticated = yield* authenticate(state)
    if (Either.isLeft(authenticated)) return fairUse(authenticated.left)
    return fairUse(json(consumerJson(authenticated.right)))
  })

/** `GET /auth/me`: the same `Consumer` while `available`; 404 whatever the token once `gone`. @internal */
export const authMeHandler = (state: State) =>
  Effect.suspend(() =>
    state.authMe === "gone"
      ? Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
        errorResponse(404, "RESOURCE_NOT_FOUND", `No route for ${request.method} ${pathOf(request.url)}`, {
          readableMessage: "GET /auth/me was removed: use GET /consumers/me",
          context: pathOf(request.url)
        }))
      : consumerHandler(state)
  )
