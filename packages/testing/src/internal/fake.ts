import type * as HttpMethod from "@effect/platform/HttpMethod"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { Scope } from "@monta-auth/schema"
import { fairUsePolicy, grants, perPageBounds, TokenPair } from "@monta-auth/schema"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type {
  ConsumerInput,
  Counters,
  Fault,
  FaultSpec,
  IssuedTokens,
  JournalEntry,
  MontaFakeOptions,
  MontaFakeService
} from "../MontaFake.js"
import { MontaFake } from "../MontaFake.js"

/** @internal */
export const apiPrefix = "/api/v1"

/** @internal */
export const memoryBaseUrl = `http://monta.fake${apiPrefix}`

/** @internal */
export const demoConsumer: ConsumerInput = {
  clientId: "demo-client-id",
  clientSecret: "demo-client-secret",
  name: "Partner API Demo",
  operatorId: 42,
  teamIds: [],
  scopes: ["all:delete"],
  rateLimit: 1000,
  rateLimitIntervalInSeconds: 600
}

/** @internal */
export const teamConsumer: ConsumerInput = {
  clientId: "team-client-id",
  clientSecret: "team-client-secret",
  name: "Partner API Team 1",
  operatorId: 42,
  teamIds: [1],
  scopes: ["charge-points:read", "wallet-transactions:read"],
  rateLimit: 100,
  rateLimitIntervalInSeconds: 60
}

// ---------------------------------------------------------------------------------------------
// models
// ---------------------------------------------------------------------------------------------

interface Consumer {
  readonly clientId: string
  readonly clientSecret: string
  readonly name: string
  readonly operatorId: number
  readonly teamIds: ReadonlyArray<number>
  readonly scopes: ReadonlyArray<Scope>
  readonly rateLimit: number
  readonly rateLimitIntervalInSeconds: number
  revoked: boolean
}

interface AccessRecord {
  readonly clientId: string
  readonly expiresAt: number
  revoked: boolean
}

interface RefreshRecord {
  readonly clientId: string
  readonly expiresAt: number
  used: boolean
  revoked: boolean
}

interface Window {
  readonly start: number
  count: number
}

interface QueuedFault {
  readonly path: string
  remaining: number
  readonly fault: Fault
}

/** @internal */
export interface ChargePoint {
  readonly id: number
  readonly teamId: number
  readonly operatorId: number
  readonly name: string
  readonly serialNumber: string
  readonly state: string
  readonly maxKw: number
  readonly createdAt: string
  readonly updatedAt: string
}

/** @internal */
export interface WalletTransaction {
  readonly id: number
  readonly teamId: number
  readonly operatorId: number
  readonly amount: number
  readonly currency: string
  readonly state: string
  readonly note: string
  readonly createdAt: string
}

type MutableCounters = { -readonly [K in keyof Counters]: Counters[K] } & { byStatus: Record<number, number> }

const emptyCounters = (): MutableCounters => ({
  requests: 0,
  tokenRequests: 0,
  refreshRequests: 0,
  meRequests: 0,
  rejectedRefreshes: 0,
  rejectedCredentials: 0,
  rejectedTokens: 0,
  status429: 0,
  dropped: 0,
  faults: 0,
  byStatus: {}
})

/**
 * The fake's whole state. It is only read and written inside `Effect.sync` blocks, which run
 * without interruption or interleaving, so every operation on it is atomic.
 */
interface State {
  readonly consumers: Map<string, Consumer>
  readonly access: Map<string, AccessRecord>
  readonly refresh: Map<string, RefreshRecord>
  readonly issued: Map<string, Array<IssuedTokens>>
  readonly windows: Map<string, Window>
  faults: Array<QueuedFault>
  offsetMillis: number
  accessLifetimeMillis: number
  refreshLifetimeMillis: number
  journal: Array<JournalEntry>
  readonly journalLimit: number
  counters: MutableCounters
  readonly chargePoints: Map<number, ChargePoint>
  nextChargePointId: number
  readonly walletTransactions: ReadonlyArray<WalletTransaction>
}

const toConsumer = (input: ConsumerInput): Consumer => ({
  clientId: input.clientId,
  clientSecret: input.clientSecret,
  name: input.name ?? input.clientId,
  operatorId: input.operatorId ?? 42,
  teamIds: input.teamIds ?? [],
  scopes: input.scopes ?? ["all:delete"],
  rateLimit: input.rateLimit ?? 1000,
  rateLimitIntervalInSeconds: input.rateLimitIntervalInSeconds ?? 600,
  revoked: false
})

// ---------------------------------------------------------------------------------------------
// seed
// ---------------------------------------------------------------------------------------------

const seedEpoch = 1_704_067_200_000 // 2024-01-01T00:00:00Z

/** 1 to 999 999: the nanoseconds past the millisecond that the fake writes for `seed` (FNV-1a). */
const subMillisNanos = (seed: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) {
    hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193)
  }
  return ((hash >>> 0) % 999_999) + 1
}

/**
 * A date as the real service writes it: UTC with 9 fractional digits, non-zero past the
 * millisecond (`2023-02-16T07:53:02.059724728Z`). The instant the fake means (and checks expiry
 * at) is the whole millisecond `millis`; the digits past it are derived from `seed` (a token, an
 * item), so they are deterministic and never move the date a whole millisecond later. A client
 * that truncates to milliseconds reads `millis` exactly; one that rounds up is 1 ms late.
 */
const isoAt = (millis: number, seed: string) =>
  `${DateTime.formatIso(DateTime.unsafeMake(millis)).slice(0, -1)}${String(subMillisNanos(seed)).padStart(6, "0")}Z`

const chargePointStates = ["available", "busy", "offline", "available"] as const
const walletStates = ["complete", "complete", "pending", "failed"] as const

/** Team of the i-th seeded item: teams 1 and 2 alternate. */
const seedTeam = (index: number) => index % 2 === 0 ? 1 : 2

const seedChargePoint = (index: number): ChargePoint => {
  const id = index + 1
  const created = isoAt(seedEpoch + index * 3_600_000, `charge-point:${id}`)
  return {
    id,
    teamId: seedTeam(index),
    operatorId: 42,
    name: `Charge point ${id}`,
    serialNumber: `MONTA-${String(id).padStart(6, "0")}`,
    state: chargePointStates[index % chargePointStates.length]!,
    maxKw: [11, 22, 50, 150][index % 4]!,
    createdAt: created,
    updatedAt: created
  }
}

const seedWalletTransaction = (index: number): WalletTransaction => ({
  id: index + 1,
  teamId: seedTeam(index),
  operatorId: 42,
  amount: ((index * 37) % 5000) / 100 + 1,
  currency: "DKK",
  state: walletStates[index % walletStates.length]!,
  note: `Charge ${index + 1}`,
  createdAt: isoAt(seedEpoch + index * 1_800_000, `wallet-transaction:${index + 1}`)
})

const makeState = (options: MontaFakeOptions | undefined): State => {
  const consumers = new Map<string, Consumer>()
  for (const input of options?.consumers ?? [demoConsumer, teamConsumer]) {
    consumers.set(input.clientId, toConsumer(input))
  }
  const chargePointCount = options?.seed?.chargePoints ?? 250
  const chargePoints = new Map<number, ChargePoint>()
  for (let i = 0; i < chargePointCount; i++) {
    const point = seedChargePoint(i)
    chargePoints.set(point.id, point)
  }
  const walletTransactions: Array<WalletTransaction> = []
  for (let i = 0; i < (options?.seed?.walletTransactions ?? 300); i++) {
    walletTransactions.push(seedWalletTransaction(i))
  }
  return {
    consumers,
    access: new Map(),
    refresh: new Map(),
    issued: new Map(),
    windows: new Map(),
    faults: [],
    offsetMillis: 0,
    accessLifetimeMillis: Duration.toMillis(options?.accessTokenLifetime ?? "1 hour"),
    refreshLifetimeMillis: Duration.toMillis(options?.refreshTokenLifetime ?? "24 hours"),
    journal: [],
    journalLimit: Math.max(0, options?.journalLimit ?? 10_000),
    counters: emptyCounters(),
    chargePoints,
    nextChargePointId: chargePointCount + 1,
    walletTransactions
  }
}

// ---------------------------------------------------------------------------------------------
// responses
// ---------------------------------------------------------------------------------------------

const statusMessages: Record<number, string> = {
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

const defaultErrorCode = (status: number): string => {
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

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

/** @internal */
export const errorResponse = (status: number, errorCode: string, message: string) =>
  json({ status, message, errorCode }, status)

const badRequest = (message: string) => errorResponse(400, "BAD_REQUEST", message)

/** A JSON endpoint's answer to a body that is not JSON, with the `Accept` header Spring sends. */
const unsupportedMediaType = (contentType: string) =>
  errorResponse(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    `Content-Type ${contentType === "" ? "missing" : `'${contentType}' is not supported`}: send application/json`
  ).pipe(HttpServerResponse.setHeader("Accept", "application/json"))

// ---------------------------------------------------------------------------------------------
// per-request context
// ---------------------------------------------------------------------------------------------

/** What the fake knows about the request being answered. */
interface RequestInfo {
  /** The server's now (the `Clock` plus the offset) when the request arrived. */
  readonly now: number
  /** An `ExpiredToken` fault applies to this request. */
  readonly expiredToken: boolean
  /** The consumer the request turned out to belong to, for the journal. */
  clientId: string | undefined
}

class CurrentRequest
  extends Context.Tag("@monta-auth/testing/internal/CurrentRequest")<CurrentRequest, RequestInfo>()
{}

// ---------------------------------------------------------------------------------------------
// make
// ---------------------------------------------------------------------------------------------

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
const decodeCreateBody = Schema.decodeUnknownEither(Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  teamId: Schema.optional(Schema.Int),
  serialNumber: Schema.optional(Schema.String),
  maxKw: Schema.optional(Schema.Number.pipe(Schema.positive()))
}))
const decodePatchBody = Schema.decodeUnknownEither(Schema.Struct({
  name: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  state: Schema.optionalWith(Schema.Literal("available", "busy", "offline"), { exact: true }),
  maxKw: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { exact: true })
}))

const describeParseError = (error: ParseResult.ParseError) =>
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
 */
const readJsonBody: Effect.Effect<
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

/** @internal */
export const make = (
  options?: MontaFakeOptions,
  baseUrl: string = memoryBaseUrl
): Effect.Effect<MontaFakeService> =>
  Effect.sync(() => {
    const state = makeState(options)

    const serverNow = Effect.map(Clock.currentTimeMillis, (millis) => millis + state.offsetMillis)

    // --- tokens ----------------------------------------------------------------------------

    const prune = (clientId: string, now: number) => {
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

    const issue = (clientId: string, info: RequestInfo) =>
      Effect.gen(function*() {
        const accessToken = yield* randomToken
        const refreshToken = yield* randomToken
        return yield* Effect.sync(() => {
          const now = info.now
          prune(clientId, now)
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

    const fairUse = (response: HttpServerResponse.HttpServerResponse) =>
      HttpServerResponse.setHeader(response, "RateLimit-Policy", fairUsePolicy)

    const tokenHandler = Effect.gen(function*() {
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
      return fairUse(yield* issue(clientId, info))
    })

    const refreshHandler = Effect.gen(function*() {
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
      if (Either.isLeft(verdict)) return fairUse(errorResponse(401, "INVALID_REFRESH_TOKEN", verdict.left))
      return fairUse(yield* issue(verdict.right, info))
    })

    // --- bearer endpoints ------------------------------------------------------------------

    type Authenticated = Either.Either<Consumer, HttpServerResponse.HttpServerResponse>

    const authenticate: Effect.Effect<Authenticated, never, CurrentRequest | HttpServerRequest.HttpServerRequest> =
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
     */
    const bearer = <R>(
      required: Scope,
      f: (consumer: Consumer) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
    ) =>
      Effect.gen(function*() {
        const info = yield* CurrentRequest
        const authenticated = yield* authenticate
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

    const meHandler = Effect.gen(function*() {
      const authenticated = yield* authenticate
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

    // --- resources -------------------------------------------------------------------------

    const sees = (consumer: Consumer, teamId: number) =>
      consumer.teamIds.length === 0 || consumer.teamIds.includes(teamId)

    const parseIndex = (value: string | undefined, name: string, min: number, max: number, fallback: number) => {
      if (value === undefined) return Either.right(fallback)
      if (!/^\d{1,9}$/.test(value)) {
        return Either.left(`Query parameter ${name} must be an integer, got ${JSON.stringify(value)}`)
      }
      const n = Number(value)
      return n < min || n > max
        ? Either.left(`Query parameter ${name} must be between ${min} and ${max}, got ${n}`)
        : Either.right(n)
    }

    const paged = <A extends { readonly teamId: number }>(items: () => ReadonlyArray<A>) => (consumer: Consumer) =>
      Effect.gen(function*() {
        const query = yield* HttpServerRequest.ParsedSearchParams
        const single = (name: string) => {
          const value = query[name]
          return Array.isArray(value) ? value[0] : value as string | undefined
        }
        const page = parseIndex(single("page"), "page", 0, 999_999_999, 0)
        if (Either.isLeft(page)) return badRequest(page.left)
        const perPage = parseIndex(single("perPage"), "perPage", perPageBounds.min, perPageBounds.max, 10)
        if (Either.isLeft(perPage)) return badRequest(perPage.left)
        const visible = items().filter((item) => sees(consumer, item.teamId))
        const data = visible.slice(page.right * perPage.right, (page.right + 1) * perPage.right)
        return json({
          data,
          meta: {
            currentPage: page.right,
            perPage: perPage.right,
            itemCount: data.length,
            totalPageCount: Math.ceil(visible.length / perPage.right),
            totalItemCount: visible.length
          }
        })
      })

    const withChargePoint = <R>(
      consumer: Consumer,
      f: (point: ChargePoint) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
    ) =>
      Effect.gen(function*() {
        const params = yield* HttpRouter.params
        const raw = params["id"] ?? ""
        if (!/^\d{1,15}$/.test(raw)) {
          return badRequest(`Path parameter id must be an integer, got ${JSON.stringify(raw)}`)
        }
        const point = state.chargePoints.get(Number(raw))
        if (point === undefined) return errorResponse(404, "RESOURCE_NOT_FOUND", `Charge point ${raw} not found`)
        if (!sees(consumer, point.teamId)) {
          return errorResponse(403, "ACCESS_FORBIDDEN", `No access to charge point ${raw}`)
        }
        return yield* f(point)
      })

    const createChargePoint = (consumer: Consumer) =>
      Effect.gen(function*() {
        const info = yield* CurrentRequest
        const body = yield* readJsonBody
        if (Either.isLeft(body)) return body.left
        const decoded = decodeCreateBody(body.right)
        if (Either.isLeft(decoded)) return badRequest(describeParseError(decoded.left))
        const teamId = decoded.right.teamId ?? consumer.teamIds[0] ?? 1
        if (!sees(consumer, teamId)) return errorResponse(403, "ACCESS_FORBIDDEN", `No access to team ${teamId}`)
        const id = state.nextChargePointId++
        const now = isoAt(info.now, `charge-point:${id}:${info.now}`)
        const point: ChargePoint = {
          id,
          teamId,
          operatorId: consumer.operatorId,
          name: decoded.right.name,
          serialNumber: decoded.right.serialNumber ?? `MONTA-${String(id).padStart(6, "0")}`,
          state: "available",
          maxKw: decoded.right.maxKw ?? 22,
          createdAt: now,
          updatedAt: now
        }
        state.chargePoints.set(id, point)
        return json(point, 201)
      })

    const patchChargePoint = (consumer: Consumer) =>
      withChargePoint(consumer, (point) =>
        Effect.gen(function*() {
          const info = yield* CurrentRequest
          const body = yield* readJsonBody
          if (Either.isLeft(body)) return body.left
          const decoded = decodePatchBody(body.right)
          if (Either.isLeft(decoded)) return badRequest(describeParseError(decoded.left))
          const current = state.chargePoints.get(point.id)
          if (current === undefined) {
            return errorResponse(404, "RESOURCE_NOT_FOUND", `Charge point ${point.id} not found`)
          }
          const updated: ChargePoint = {
            ...current,
            ...decoded.right,
            updatedAt: isoAt(info.now, `charge-point:${point.id}:${info.now}`)
          }
          state.chargePoints.set(point.id, updated)
          return json(updated)
        }))

    type Handler = Effect.Effect<
      HttpServerResponse.HttpServerResponse,
      never,
      | CurrentRequest
      | HttpServerRequest.HttpServerRequest
      | HttpServerRequest.ParsedSearchParams
      | HttpRouter.RouteContext
    >

    const routes: ReadonlyArray<readonly [HttpMethod.HttpMethod, HttpRouter.PathInput, Handler]> = [
      ["POST", "/auth/token", tokenHandler],
      ["POST", "/auth/refresh", refreshHandler],
      ["GET", "/auth/me", meHandler],
      ["GET", "/charge-points", bearer("charge-points:read", paged(() => Array.from(state.chargePoints.values())))],
      ["POST", "/charge-points", bearer("charge-points:write", createChargePoint)],
      [
        "GET",
        "/charge-points/:id",
        bearer("charge-points:read", (consumer) => withChargePoint(consumer, (point) => Effect.succeed(json(point))))
      ],
      ["PATCH", "/charge-points/:id", bearer("charge-points:write", patchChargePoint)],
      [
        "DELETE",
        "/charge-points/:id",
        bearer("charge-points:delete", (consumer) =>
          withChargePoint(consumer, (point) =>
            Effect.sync(() => {
              state.chargePoints.delete(point.id)
              return HttpServerResponse.empty({ status: 204 })
            })))
      ],
      ["GET", "/wallet-transactions", bearer("wallet-transactions:read", paged(() => state.walletTransactions))]
    ]

    const router = HttpRouter.fromIterable(
      routes.map(([method, path, handler]) => HttpRouter.makeRoute(method, path, handler))
    ).pipe(HttpRouter.prefixAll(apiPrefix))

    /** The methods each route path answers, HEAD with GET as the router does. */
    const allowed = new Map<HttpRouter.PathInput, Array<string>>()
    for (const [method, path] of routes) {
      const methods = allowed.get(path) ?? []
      methods.push(...(method === "GET" ? ["GET", "HEAD"] : [method]))
      allowed.set(path, methods)
    }

    /**
     * Every route path for any method, matched by the router itself (trailing slashes, case), so a
     * path that exists with other methods is 405 with `Allow` and only an unknown path is 404.
     */
    const methodNotAllowed = HttpRouter.fromIterable(
      Array.from(allowed, ([path, methods]) =>
        HttpRouter.makeRoute(
          "*",
          path,
          Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
            errorResponse(405, "METHOD_NOT_ALLOWED", `Request method '${request.method}' is not supported`).pipe(
              HttpServerResponse.setHeader("Allow", methods.join(", "))
            ))
        ))
    ).pipe(HttpRouter.prefixAll(apiPrefix))

    const routed = router.pipe(
      Effect.catchTag("RouteNotFound", () => methodNotAllowed),
      Effect.catchTag("RouteNotFound", () =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          return errorResponse(404, "RESOURCE_NOT_FOUND", `No route for ${request.method} ${pathOf(request.url)}`)
        })),
      Effect.catchAllCause(() => Effect.succeed(errorResponse(500, "INTERNAL_SERVER_ERROR", "Internal server error")))
    )

    // --- faults ----------------------------------------------------------------------------

    const takeFault = (path: string, inApi: boolean): Fault | undefined => {
      const index = state.faults.findIndex((queued) =>
        queued.remaining > 0 && (queued.path === "*" || (inApi && queued.path === path))
      )
      if (index < 0) return undefined
      const queued = state.faults[index]!
      queued.remaining--
      if (queued.remaining <= 0) state.faults.splice(index, 1)
      return queued.fault
    }

    const faultResponse = (fault: Fault, path: string): HttpServerResponse.HttpServerResponse | undefined => {
      switch (fault._tag) {
        case "Status": {
          const body = fault.body !== undefined
            ? fault.body
            : {
              status: fault.status,
              message: statusMessages[fault.status] ?? `Status ${fault.status}`,
              errorCode: defaultErrorCode(fault.status)
            }
          let response = json(body, fault.status)
          if (fault.retryAfter !== undefined) {
            response = HttpServerResponse.setHeader(response, "Retry-After", String(fault.retryAfter))
          }
          if (fault.rateLimitResetsIn !== undefined) {
            response = HttpServerResponse.setHeaders(response, {
              "RateLimit-ResetsIn": String(fault.rateLimitResetsIn),
              "RateLimit-Remaining": "0"
            })
          }
          return response
        }
        case "MalformedBody":
          return HttpServerResponse.text("{\"accessToken\": \"4596d494-5f6c", {
            status: 200,
            contentType: "application/json"
          })
        case "EmptyBody":
          return HttpServerResponse.empty({ status: 200 })
        case "WrongShape":
          return json(
            path === "/auth/token" || path === "/auth/refresh"
              ? { accessToken: "00000000-0000-4000-8000-000000000000", expiresIn: 3600 }
              : path === "/auth/me"
              ? { name: "Partner API Demo" }
              : { items: [] }
          )
        default:
          return undefined
      }
    }

    // --- the app ---------------------------------------------------------------------------

    const record = (entry: JournalEntry, inApi: boolean) =>
      Effect.sync(() => {
        state.journal.push(entry)
        if (state.journal.length > state.journalLimit) {
          state.journal.splice(0, state.journal.length - state.journalLimit)
        }
        const counters = state.counters
        counters.requests++
        if (entry.status === 0) counters.dropped++
        else counters.byStatus[entry.status] = (counters.byStatus[entry.status] ?? 0) + 1
        if (entry.fault !== undefined) counters.faults++
        if (entry.status === 429) counters.status429++
        if (!inApi) {
          // Outside /api/v1: journaled with its full path, never taken for an auth request.
        } else if (entry.path === "/auth/token" && entry.method === "POST") {
          counters.tokenRequests++
          if (entry.status === 401) counters.rejectedCredentials++
        } else if (entry.path === "/auth/refresh" && entry.method === "POST") {
          counters.refreshRequests++
          if (entry.status === 401) counters.rejectedRefreshes++
        } else if (entry.status === 401) {
          counters.rejectedTokens++
        }
        if (inApi && entry.path === "/auth/me" && entry.method === "GET") counters.meRequests++
      })

    const handle: Effect.Effect<Outcome, never, HttpServerRequest.HttpServerRequest> = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const at = yield* Clock.currentTimeMillis
      const fullPath = pathOf(request.url)
      const path = fullPath === apiPrefix
        ? "/"
        : fullPath.startsWith(apiPrefix + "/")
        ? fullPath.slice(apiPrefix.length)
        : fullPath
      const inApi = fullPath === apiPrefix || fullPath.startsWith(apiPrefix + "/")
      const fault = yield* Effect.sync(() => takeFault(path, inApi))
      const entry = (status: number, clientId: string | undefined): JournalEntry => ({
        method: request.method,
        path,
        status,
        at,
        ...(clientId !== undefined ? { clientId } : {}),
        ...(fault !== undefined ? { fault: fault._tag } : {})
      })
      if (fault?._tag === "Delay") yield* Effect.sleep(fault.duration)
      if (fault?._tag === "Drop") {
        yield* record(entry(0, undefined), inApi)
        return { _tag: "Drop" } as const
      }
      const injected = fault === undefined ? undefined : faultResponse(fault, path)
      const info: RequestInfo = {
        now: yield* serverNow,
        expiredToken: fault?._tag === "ExpiredToken",
        clientId: undefined
      }
      const response = injected ?? (yield* Effect.provideService(routed, CurrentRequest, info))
      const date = DateTime.toDateUtc(DateTime.unsafeMake(yield* serverNow)).toUTCString()
      const dated = HttpServerResponse.setHeader(response, "Date", date)
      yield* record(entry(dated.status, info.clientId), inApi)
      return { _tag: "Response", response: dated } as const
    })

    const app: MontaFakeService["app"] = Effect.flatMap(handle, (outcome) => {
      if (outcome._tag === "Response") return Effect.succeed(outcome.response)
      return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        destroySocket(request.source)
        return Effect.interrupt
      })
    })

    // --- controls --------------------------------------------------------------------------

    const service: FakeInternal = {
      baseUrl,
      app,
      handle,
      addConsumer: (input) => Effect.sync(() => void state.consumers.set(input.clientId, toConsumer(input))),
      revokeConsumer: (clientId) =>
        Effect.sync(() => {
          const consumer = state.consumers.get(clientId)
          if (consumer === undefined) return
          consumer.revoked = true
          for (const pair of state.issued.get(clientId) ?? []) {
            const access = state.access.get(pair.accessToken)
            if (access !== undefined) access.revoked = true
            const refresh = state.refresh.get(pair.refreshToken)
            if (refresh !== undefined) refresh.revoked = true
          }
        }),
      restoreConsumer: (clientId) =>
        Effect.sync(() => {
          const consumer = state.consumers.get(clientId)
          if (consumer !== undefined) consumer.revoked = false
        }),
      revokeAccessToken: (token) =>
        Effect.sync(() => {
          const access = state.access.get(token)
          if (access !== undefined) access.revoked = true
        }),
      revokeRefreshToken: (token) =>
        Effect.sync(() => {
          const refresh = state.refresh.get(token)
          if (refresh !== undefined) refresh.revoked = true
        }),
      injectFault: (spec: FaultSpec) =>
        Effect.sync(() => {
          const times = spec.times ?? 1
          if (times > 0) state.faults.push({ path: normalizePath(spec.path), remaining: times, fault: spec.fault })
        }),
      clearFaults: Effect.sync(() => {
        state.faults = []
      }),
      setClockOffset: (offset) =>
        Effect.sync(() => {
          state.offsetMillis = durationMillis(offset)
        }),
      setTokenLifetimes: (lifetimes) =>
        Effect.sync(() => {
          if (lifetimes.access !== undefined) state.accessLifetimeMillis = Duration.toMillis(lifetimes.access)
          if (lifetimes.refresh !== undefined) state.refreshLifetimeMillis = Duration.toMillis(lifetimes.refresh)
        }),
      journal: Effect.sync(() => state.journal.slice()),
      counters: Effect.sync(() => ({ ...state.counters, byStatus: { ...state.counters.byStatus } })),
      tokensOf: (clientId) =>
        Effect.map(serverNow, (now) => {
          prune(clientId, now)
          return (state.issued.get(clientId) ?? []).slice()
        }),
      resetJournal: Effect.sync(() => {
        state.journal = []
        state.counters = emptyCounters()
      })
    }
    return service
  })

/** What the fake does with a request: answer it, or drop the connection. @internal */
export type Outcome =
  | { readonly _tag: "Response"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Drop" }

/** The service plus the outcome-level handler the in-memory client uses. @internal */
export interface FakeInternal extends MontaFakeService {
  readonly handle: Effect.Effect<Outcome, never, HttpServerRequest.HttpServerRequest>
}

/** @internal */
export const internalHandle = (service: MontaFakeService): FakeInternal["handle"] | undefined =>
  "handle" in service ? (service as FakeInternal).handle : undefined

/** A signed duration: `Duration` cannot be negative, so a leading "-" or a negative number is read here. */
const durationMillis = (input: Duration.DurationInput): number => {
  if (typeof input === "number") return input
  if (typeof input === "string" && input.trim().startsWith("-")) {
    return -Duration.toMillis(input.trim().slice(1).trim() as Duration.DurationInput)
  }
  return Option.match(Duration.decodeUnknown(input), {
    onNone: () => 0,
    onSome: Duration.toMillis
  })
}

const pathOf = (url: string) => {
  const query = url.search(/[?#]/)
  const path = query < 0 ? url : url.slice(0, query)
  return path.startsWith("http://") || path.startsWith("https://") ? new URL(path).pathname : path
}

const normalizePath = (path: string) => {
  if (path === "*") return path
  const bare = pathOf(path)
  const relative = bare.startsWith(apiPrefix + "/") ? bare.slice(apiPrefix.length) : bare
  const slashed = relative.startsWith("/") ? relative : `/${relative}`
  return slashed.length > 1 && slashed.endsWith("/") ? slashed.slice(0, -1) : slashed
}

const destroySocket = (source: unknown) => {
  if (typeof source === "object" && source !== null && "socket" in source) {
    const socket = (source as { socket?: { destroy?: () => void } }).socket
    socket?.destroy?.()
  }
}

/** @internal */
export const layer = (options?: MontaFakeOptions): Layer.Layer<MontaFake> => Layer.effect(MontaFake, make(options))
