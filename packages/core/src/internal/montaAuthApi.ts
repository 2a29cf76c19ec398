import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { decodeMontaErrorBody, Me, type RefreshRequest, TokenPair, type TokenRequest } from "@monta-auth/schema"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type {
  AuthApiError,
  AuthApiOptions,
  ConsumerEndpoint,
  MontaAuthApiService,
  TokenResponse
} from "../MontaAuthApi.js"
import {
  type AuthEndpoint,
  AuthEndpointFailed,
  AuthEndpointRejected,
  InvalidOptions,
  MalformedResponse
} from "../MontaError.js"
import { retryHint, serverDateOf } from "./authResponseHeaders.js"
import { makeInstrument } from "./httpSpan.js"

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

/**
 * The base URL, refused when it is not a URL, carries userinfo, a query or a fragment (each would
 * garble every endpoint's URL, and userinfo is a password in a config file), or is plain http off
 * loopback. The messages never quote the URL's userinfo.
 *
 * @internal
 */
export const validateBaseUrl = (baseUrl: string, allowInsecure?: boolean): Effect.Effect<string, InvalidOptions> =>
  Effect.suspend(() => {
    const refuse = (problem: string) => Effect.fail(new InvalidOptions({ option: "baseUrl", problem }))
    let url: URL
    try {
      url = new URL(baseUrl)
    } catch {
      // Not parseable: quote nothing after a possible `user:password@`.
      const shown = baseUrl.includes("@") ? "(not shown: it holds an @)" : JSON.stringify(baseUrl.slice(0, 200))
      return refuse(`not a URL: ${shown}`)
    }
    const where = `${url.protocol}//${url.host}`
    if (url.username !== "" || url.password !== "") {
      return refuse(`${where} carries a user name or password: give the credential as clientId/clientSecret`)
    }
    if (url.search !== "" || baseUrl.includes("?")) return refuse(`${where}${url.pathname} carries a query`)
    if (url.hash !== "" || baseUrl.includes("#")) return refuse(`${where}${url.pathname} carries a fragment`)
    if (url.protocol === "https:" || (url.protocol === "http:" && (isLoopback(url.hostname) || allowInsecure))) {
      return Effect.succeed(url.toString().replace(/\/+$/, ""))
    }
    return refuse(`${where} is not https (plain http is allowed only on loopback hosts)`)
  })

/**
 * The system error code of a transport failure (`ECONNREFUSED`, `ENOTFOUND`, a TLS code), found on
 * the cause or on the cause's cause (undici wraps them). Codes only: a message may quote a URL.
 */
const transportCode = (cause: unknown): string => {
  for (let current = cause, depth = 0; current !== null && typeof current === "object" && depth < 4; depth++) {
    const code = (current as { readonly code?: unknown }).code
    if (typeof code === "string" && /^[A-Z0-9_]{2,64}$/.test(code)) return ` (${code})`
    current = (current as { readonly cause?: unknown }).cause
  }
  return ""
}

/** H9: an auth endpoint's body longer than this is refused (a token pair is a few hundred bytes). */
const maxBodyLength = 64 * 1024

/**
 * The text with every occurrence of the given secrets (and their JSON-escaped forms) replaced by
 * `<redacted>`, for server text that may echo what we sent.
 *
 * @internal
 */
export const scrubSecrets = (text: string, secrets: ReadonlyArray<Redacted.Redacted<string>>): string => {
  let scrubbed = text
  for (const secret of secrets) {
    const value = Redacted.value(secret)
    if (value.length < 4) continue
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
      scrubbed = scrubbed.split(form).join("<redacted>")
    }
  }
  return scrubbed
}

const isTransientStatus = (status: number) => status === 408 || status === 429 || status >= 500

// The paths of the fields that did not decode, never their values (a body may hold tokens).
const problemOf = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const paths = Array.from(new Set(issues.map((issue) => issue.path.length === 0 ? "(body)" : issue.path.join("."))))
  return `unexpected shape at ${paths.join(", ")}`
}

const decodeTokenPair = Schema.decodeUnknown(TokenPair, { errors: "all" })
const decodeMe = Schema.decodeUnknown(Me, { errors: "all" })

/** A decoded answer, with the server's `Date` and our send time (for anchoring expiry, L9). */
interface Sent<A> {
  readonly value: A
  readonly serverDate: Option.Option<DateTime.Utc>
  readonly sentAt: number
}

/** @internal */
export const make = (
  options: AuthApiOptions
): Effect.Effect<MontaAuthApiService, InvalidOptions, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const baseUrl = yield* validateBaseUrl(options.baseUrl, options.allowInsecure)
    // H8: not the platform's span (it ends with the request, secret included): ours (httpSpan.ts).
    const client = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true)
    const instrument = makeInstrument(baseUrl)
    const timeout = Duration.decode(options.requestTimeout ?? "10 seconds")

    const send = <A>(
      endpoint: AuthEndpoint,
      request: HttpClientRequest.HttpClientRequest,
      decode: (body: unknown) => Effect.Effect<A, ParseResult.ParseError>,
      secrets: ReadonlyArray<Redacted.Redacted<string>>
    ): Effect.Effect<Sent<A>, AuthApiError> =>
      instrument(request, { template: endpoint }, (attempt) =>
        Effect.gen(function*() {
          const url = `${baseUrl}${endpoint}`
          const sentAt = yield* Clock.currentTimeMillis
          const exchange = client.execute(attempt.sending(request)).pipe(
            Effect.flatMap((response) => Effect.map(Effect.either(response.text), (text) => ({ response, text }))),
            Effect.scoped
          )
          const { response, text } = yield* exchange.pipe(
            Effect.timeoutFail({
              duration: timeout,
              onTimeout: () =>
                new AuthEndpointFailed({
                  endpoint,
                  reason: "Timeout",
                  transient: true,
                  detail: `no answer within ${Duration.format(timeout)}`
                })
            }),
            Effect.catchTag("RequestError", "ResponseError", (error) =>
              Effect.fail(
                new AuthEndpointFailed({
                  endpoint,
                  reason: "Transport",
                  transient: true,
                  detail: `${error.reason} error${transportCode(error.cause)}`
                })
              ))
          )
          const status = response.status
          attempt.received(response)
          if (text._tag === "Left") {
            return yield* new AuthEndpointFailed({
              endpoint,
              reason: "Transport",
              status,
              transient: true,
              detail: "the response body could not be read"
            })
          }
          const body = text.right
          if (body.length > maxBodyLength) {
            return yield* new MalformedResponse({
              method: request.method,
              url,
              status,
              problem: `the body is larger than ${maxBodyLength} characters`
            })
          }
          if (status >= 200 && status < 300) {
            let json: unknown
            try {
              json = JSON.parse(body)
            } catch {
              return yield* new MalformedResponse({
                method: request.method,
                url,
                status,
                problem: body.trim() === "" ? "empty body" : "the body is not JSON"
              })
            }
            const value = yield* decode(json).pipe(
              Effect.mapError((error) =>
                new MalformedResponse({ method: request.method, url, status, problem: problemOf(error) })
              )
            )
            return { value, serverDate: serverDateOf(response), sentAt }
          }
          // H8: a server or proxy that echoes what we sent must not get it into an error.
          const errorBody = decodeMontaErrorBody(scrubSecrets(body, secrets))
          if (status === 400 || status === 401 || status === 403) {
            return yield* new AuthEndpointRejected({
              endpoint,
              status,
              ...(errorBody.errorCode !== undefined ? { errorCode: errorBody.errorCode } : {}),
              ...(errorBody.message !== undefined ? { serverMessage: errorBody.message } : {})
            })
          }
          const now = yield* Clock.currentTimeMillis
          const retryAfter = retryHint(response, now)
          return yield* new AuthEndpointFailed({
            endpoint,
            reason: "Status",
            status,
            transient: isTransientStatus(status),
            ...(retryAfter !== undefined ? { retryAfter } : {}),
            ...(errorBody.errorCode !== undefined ? { errorCode: errorBody.errorCode } : {})
          })
        }))

    const tokenResponse = ({ sentAt, serverDate, value }: Sent<TokenPair>): TokenResponse => ({
      pair: value,
      serverDate,
      sentAt
    })

    const post = (endpoint: AuthEndpoint, body: unknown) =>
      HttpClientRequest.post(`${baseUrl}${endpoint}`).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyUnsafeJson(body)
      )

    return {
      baseUrl,
      token: (request: TokenRequest) =>
        send(
          "/auth/token",
          post("/auth/token", { clientId: request.clientId, clientSecret: Redacted.value(request.clientSecret) }),
          decodeTokenPair,
          [request.clientSecret]
        ).pipe(
          Effect.map(tokenResponse),
          Effect.withSpan("MontaAuthApi.token", {
            kind: "internal",
            attributes: { "monta.endpoint": "/auth/token", "monta.client_id": request.clientId }
          })
        ),
      refresh: (request: RefreshRequest) =>
        send(
          "/auth/refresh",
          post("/auth/refresh", { refreshToken: Redacted.value(request.refreshToken) }),
          decodeTokenPair,
          [request.refreshToken]
        ).pipe(
          Effect.map(tokenResponse),
          Effect.withSpan("MontaAuthApi.refresh", {
            kind: "internal",
            attributes: { "monta.endpoint": "/auth/refresh" }
          })
        ),
      me: (accessToken: Redacted.Redacted<string>, endpoint: ConsumerEndpoint = "/consumers/me") =>
        send(
          endpoint,
          HttpClientRequest.get(`${baseUrl}${endpoint}`).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.bearerToken(Redacted.value(accessToken))
          ),
          decodeMe,
          [accessToken]
        ).pipe(
          Effect.map((result) => result.value),
          Effect.withSpan("MontaAuthApi.me", { kind: "internal", attributes: { "monta.endpoint": endpoint } })
        )
    }
  })
