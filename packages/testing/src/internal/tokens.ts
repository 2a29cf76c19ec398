import { TokenPair } from "@monta-auth/schema"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { IssuedTokens } from "../MontaFake.js"
import type { RequestInfo } from "./request.js"
import { CurrentRequest } from "./request.js"
import { badRequest, describeParseError, errorResponse, fairUse, json, readJsonBody } from "./responses.js"
import { isoAt } from "./seed.js"
import type { State } from "./state.js"

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

/** A UUID-v4-shaped token from the Effect `Random` (deterministic under `TestRandom`). */
const randomToken = Effect.gen(function*() {
  const a = yield* Random.nextIntBetween(0, 0x10000)
  const b = yield* Random.nextIntBetween(0, 0x10000)
  const c = yield* Random.nextIntBetween(0, 0x10000)
  const d = yield* Random.nextIntBetween(0, 0x1000)
  const e = yield* Random.nextIntBetween(0, 0x4000)
  const f = yield* Random.nextIntBetween(0, 0x10000)
  const g = yield* Random.nextIntBetween(0, 0x10000)
  const h = yield* Random.nextIntBetween(0, 0x10000)
  return `${hex(a, 4)}${hex(b, 4)}-${hex(c, 4)}-4${hex(d, 3)}-${hex(0x8000 | e, 4)}-${hex(f, 4)}${hex(g, 4)}${
    hex(h, 4)
  }`
})

const encodeTokenPair = Schema.encodeSync(TokenPair)

const decodeTokenBody = Schema.decodeUnknownEither(Schema.Struct({
  clientId: Schema.String,
  clientSecret: Schema.String
}))
const decodeRefreshBody = Schema.decodeUnknownEither(Schema.Struct({ refreshToken: Schema.String }))

/** Forgets the pairs of `clientId` of which neither token can still be used at `now`. @internal */
export const prune = (state: State, clientId: string, now: number) => {
  const list = state.issued.get(clientId)
  if (list === undefined) return
  const live = list.filter((pair) => {
    const refresh = state.refresh.get(pair.refreshToken)
    const access = state.access.get(pair.accessToken)
    const refreshLive = refresh !== undefined && !refresh.used && !refresh.revoked && now < refresh.expiresAt
    const accessLive = access !== undefined && !access.revoked && now < access.expiresAt
    if (!refreshLive && !accessLive) {
      state.access.delete(pair.accessToken)
      state.refresh.delete(pair.refreshToken)
      return false
    }
    return true
  })
  state.issued.set(clientId, live)
}

/** Issues a pair to `clientId`, expiring on the server's clock, and answers it as the service writes it. */
const issue = (state: State, clientId: string, info: RequestInfo) =>
  Effect.gen(function*() {
    const accessToken = yield* randomToken
    const refreshToken = yield* randomToken
    return yield* Effect.sync(() => {
      const now = info.now
      prune(state, clientId, now)
      const accessExpiresAt = info.expiredToken ? now : now + state.accessLifetimeMillis
      const refreshExpiresAt = now + state.refreshLifetimeMillis
      state.access.set(accessToken, { clientId, expiresAt: accessExpiresAt, revoked: false })
      state.refresh.set(refreshToken, { clientId, expiresAt: refreshExpiresAt, used: false, revoked: false })
      const pair: IssuedTokens = { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt }
      const list = state.issued.get(clientId) ?? []
      list.push(pair)
      state.issued.set(clientId, list)
      const encoded = encodeTokenPair(
        new TokenPair({
          accessToken: Redacted.make(accessToken),
          refreshToken: Redacted.make(refreshToken),
          accessTokenExpirationDate: DateTime.unsafeMake(accessExpiresAt),
          refreshTokenExpirationDate: DateTime.unsafeMake(refreshExpiresAt)
        })
      )
      // The schema encodes milliseconds; the real service writes nanoseconds.
      return json({
        ...encoded,
        accessTokenExpirationDate: isoAt(accessExpiresAt, accessToken),
        refreshTokenExpirationDate: isoAt(refreshExpiresAt, refreshToken)
      })
    })
  })

/** `POST /auth/token`. @internal */
export const tokenHandler = (state: State) =>
  Effect.gen(function*() {
    const info = yield* CurrentRequest
    const body = yield* readJsonBody
    if (Either.isLeft(body)) return fairUse(body.left)
    const decoded = decodeTokenBody(body.right)
    if (Either.isLeft(decoded)) return fairUse(badRequest(describeParseError(decoded.left)))
    const { clientId, clientSecret } = decoded.right
    if (clientId.trim().length === 0 || clientSecret.length === 0) {
      return fairUse(badRequest("clientId and clientSecret must not be empty"))
    }
    const consumer = state.consumers.get(clientId)
    if (consumer === undefined || consumer.revoked || consumer.clientSecret !== clientSecret) {
      return fairUse(errorResponse(401, "CONSUMER_NOT_FOUND", "No consumer found for the given credentials"))
    }
    info.clientId = clientId
    return fairUse(yield* issue(state, clientId, info))
  })

/** `POST /auth/refresh`, rotating: the refresh token used dies whatever happens next. @internal */
export const refreshHandler = (state: State) =>
  Effect.gen(function*() {
    const info = yield* CurrentRequest
    const body = yield* readJsonBody
    if (Either.isLeft(body)) return fairUse(body.left)
    const decoded = decodeRefreshBody(body.right)
    if (Either.isLeft(decoded)) return fairUse(badRequest(describeParseError(decoded.left)))
    if (decoded.right.refreshToken.length === 0) return fairUse(badRequest("refreshToken must not be empty"))
    const verdict = yield* Effect.sync(() => {
      const record = state.refresh.get(decoded.right.refreshToken)
      if (record === undefined) return Either.left("Unknown refresh token")
      info.clientId = record.clientId
      const consumer = state.consumers.get(record.clientId)
      if (record.used) return Either.left("Refresh token already used")
      if (record.revoked || consumer === undefined || consumer.revoked) return Either.left("Refresh token revoked")
      if (info.now >= record.expiresAt) return Either.left("Refresh token expired")
      // Rotation: the used refresh token dies now, whatever happens next.
      record.used = true
      return Either.right(record.clientId)
    })
    // The provider's own example of a refused refresh token says INVALID_ACCESS_TOKEN.
    if (Either.isLeft(verdict)) return fairUse(errorResponse(401, "INVALID_ACCESS_TOKEN", verdict.left))
    return fairUse(yield* issue(state, verdict.right, info))
  })
