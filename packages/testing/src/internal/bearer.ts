import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { Scope } from "@monta-auth/schema"
import { grants } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CurrentRequest } from "./request.js"
import { errorResponse, fairUse, json } from "./responses.js"
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
      "RateLimit-Policy": `${consumer.rateLimit};w=${consumer.rateLimitIntervalInSeconds}`,
      "RateLimit-Quota": String(consumer.rateLimit),
      "RateLimit-TimeWindow": String(consumer.rateLimitIntervalInSeconds),
      "RateLimit-Remaining": String(Math.max(0, consumer.rateLimit - window.count)),
      "RateLimit-ResetsIn": String(resetsIn)
    }
  }
}

/**
 * Authenticates, counts against the consumer's window, checks the scope, then runs `f`.
 * Every answer after authentication carries the `RateLimit-*` headers.
 *
 * @internal
 */
export const bearer = <R>(
  state: State,
  required: Scope,
  f: (consumer: Consumer) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
) =>
  Effect.gen(function*() {
    const info = yield* CurrentRequest
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
    const response = grants(consumer.scopes, required)
      ? yield* f(consumer)
      : errorResponse(403, "ACCESS_FORBIDDEN", `Missing scope ${required}`)
    return HttpServerResponse.setHeaders(response, limited.right.headers)
  })

/** `GET /auth/me`: authenticated, outside the consumer's rate window. @internal */
export const meHandler = (state: State) =>
  Effect.gen(function*() {
    const authenticated = yield* authenticate(state)
    if (Either.isLeft(authenticated)) return fairUse(authenticated.left)
    const consumer = authenticated.right
    // The wire JSON as the real service writes it: scopes as configured, even ones outside the
    // grammar this version knows (a test of a client's tolerance adds them with a cast).
    return fairUse(json({
      name: consumer.name,
      operatorId: consumer.operatorId,
      teamIds: [...consumer.teamIds],
      clientId: consumer.clientId,
      rateLimit: consumer.rateLimit,
      rateLimitIntervalInSeconds: consumer.rateLimitIntervalInSeconds,
      scopes: [...consumer.scopes]
    }))
  })
