import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import { decodeMontaErrorBody, grants, type Me, Page, perPageBounds, requiredScope } from "@monta-auth/schema"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ConfigOptions } from "../MontaAuth.js"
import { MontaAuth } from "../MontaAuth.js"
import type { InvalidOptions, TokenError } from "../MontaError.js"
import { InsufficientScope, MontaApiError } from "../MontaError.js"
import type * as Api from "../MontaHttpClient.js"
import { MontaHttpClient } from "../MontaHttpClient.js"
import { MontaRateLimiter, type RateLimitPermit } from "../MontaRateLimiter.js"
import { scrubSecrets } from "./montaAuthApi.js"
import { layerWithMemoryStore as rateLimiterLayerMemory } from "./montaRateLimiter.js"
import { parseRateLimitHeaders } from "./montaRateLimitHeaders.js"
import { errorWithRequest, withRequest } from "./platformErrors.js"

// ---------------------------------------------------------------------------------------------
// metrics
// ---------------------------------------------------------------------------------------------

/** @internal */
export const httpRequests = Metric.counter("monta_http_requests", {
  description: "Requests sent by MontaHttpClient, by response status (\"error\" when none came)",
  incremental: true
})

// Counted in place (no effect of its own): every request passes here. The labels of each status
// are one array, kept: the metric finds its hook by the array's identity (a new array per update,
// as `Metric.tagged` makes, is a registry lookup each time).
const statusLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
const countRequest = (status: string): void => {
  let labels = statusLabels.get(status)
  if (labels === undefined) {
    labels = [MetricLabel.make("status", status)]
    statusLabels.set(status, labels)
  }
  httpRequests.unsafeUpdate(1, labels)
}

const httpRetries = Metric.counter("monta_http_retries", {
  description: "Requests MontaHttpClient sent again, by reason",
  incremental: true
})

// ---------------------------------------------------------------------------------------------
// policy
// ---------------------------------------------------------------------------------------------

const idempotentMethods: ReadonlySet<string> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])

// Error codes (Node and undici) of failures before a single byte of the request left this host.
const notSentCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT"
])

/**
 * Whether a transport error happened before the server could have received the request
 * (connection refused, host not found): only then may a POST or PATCH be sent again (H5).
 *
 * @internal
 */
export const neverSent = (error: HttpClientError.HttpClientError): boolean => {
  if (error._tag !== "RequestError") return false
  if (error.reason === "InvalidUrl" || error.reason === "Encode") return false
  let cause: unknown = error.cause
  for (let depth = 0; depth < 6 && typeof cause === "object" && cause !== null; depth++) {
    const code = (cause as { readonly code?: unknown }).code
    if (typeof code === "string" && notSentCodes.has(code)) return true
    const errors = (cause as { readonly errors?: unknown }).errors
    if (
      Array.isArray(errors) && errors.some((inner) => notSentCodes.has((inner as { code?: unknown })?.code as string))
    ) {
      return true
    }
    cause = (cause as { readonly cause?: unknown }).cause
  }
  return false
}

const isTransientStatus = (status: number) => status === 408 || status >= 500

/** H9: the default timeout of one attempt, until the response headers arrive. */
const defaultRequestTimeout = Duration.seconds(30)

const resolveRetry = (options: Api.HttpRetryOptions | undefined) => ({
  times: Math.max(0, options?.times ?? 5),
  baseDelay: Duration.toMillis(options?.baseDelay ?? Duration.millis(250)),
  maxDelay: Duration.toMillis(options?.maxDelay ?? Duration.seconds(10)),
  maxElapsed: Duration.toMillis(options?.maxElapsed ?? Duration.seconds(30))
})

// A request answered with 429 is sent again after the pause; past this many in a row it fails.
const max429Retries = 5

// ---------------------------------------------------------------------------------------------
// the client
// ---------------------------------------------------------------------------------------------

const noResponse = { status: 0, headers: {} }

const isAbsolute = (url: string) => /^[a-z][a-z0-9+.-]*:/i.test(url)

type Outcome =
  | { readonly _tag: "Response"; readonly response: HttpClientResponse.HttpClientResponse }
  | { readonly _tag: "Failure"; readonly error: HttpClientError.HttpClientError }

/** @internal */
export const make = (
  options?: Api.MontaHttpClientOptions | undefined
): Effect.Effect<
  HttpClient.HttpClient.With<Api.MontaHttpClientError>,
  never,
  MontaAuth | MontaRateLimiter | HttpClient.HttpClient
> =>
  Effect.gen(function*() {
    const auth = yield* MontaAuth
    const limiter = yield* MontaRateLimiter
    const http = yield* HttpClient.HttpClient
    const baseUrl = auth.baseUrl.replace(/\/+$/, "")
    const retry = resolveRetry(options?.retry)
    const timeout = Duration.decode(options?.requestTimeout ?? defaultRequestTimeout)
    const montaVersion = options?.montaVersion
    const onExceeded = options?.onRateLimit
    const takeOptions = onExceeded === undefined ? undefined : { onExceeded }

    // H7: the endpoint's required scope against the credential's, before anything is sent or any
    // budget taken. The consumer is remembered per token version, so the check costs a table
    // lookup and a clock read once it is known.
    const scopeMode = options?.scopeCheck ?? "enforce"
    let known: { readonly version: number; readonly me: Me | undefined } | undefined
    const credentialScopes = Effect.flatMap(auth.current, (current) =>
      known !== undefined && known.version === current.version
        ? Effect.succeed(known.me)
        : Effect.map(Effect.option(auth.me), (me) => {
          const found = Option.getOrUndefined(me)
          known = { version: current.version, me: found }
          return found
        }))
    const checkScope = scopeMode === "off" ? undefined : (request: HttpClientRequest.HttpClientRequest) => {
      const path = request.url.slice(baseUrl.length).split("?")[0] ?? ""
      const required = requiredScope(request.method, path)
      if (required === undefined) {
        return Effect.void
      }
      return Effect.flatMap(credentialScopes, (me): Effect.Effect<void, InsufficientScope> => {
        // Not sure: no consumer (the lookup failed), or scopes this grammar does not know.
        if (me === undefined || me.unrecognizedScopes.length > 0 || grants(me.scopes, required)) {
          return Effect.void
        }
        const error = new InsufficientScope({
          required: [required],
          granted: me.scopes,
          method: request.method,
          path
        })
        return scopeMode === "enforce" ? Effect.fail(error) : Effect.logWarning(`monta-auth: ${error.message}`)
      })
    }

    // H1: relative URLs go to the base URL; an absolute URL elsewhere never gets the token.
    const prepare = (request: HttpClientRequest.HttpClientRequest) => {
      const url = request.url
      let prepared = request
      if (!isAbsolute(url)) {
        prepared = HttpClientRequest.setUrl(request, `${baseUrl}${url.startsWith("/") ? "" : "/"}${url}`)
      } else if (url !== baseUrl && !url.startsWith(`${baseUrl}/`) && !url.startsWith(`${baseUrl}?`)) {
        return Effect.fail(
          new HttpClientError.RequestError({
            request,
            reason: "InvalidUrl",
            description: `MontaHttpClient sends its token only under ${baseUrl}`
          })
        )
      }
      const headers = prepared.headers
      if (headers["accept"] === undefined) {
        prepared = HttpClientRequest.setHeader(prepared, "accept", "application/json")
      }
      if (montaVersion !== undefined && headers["monta-version"] === undefined) {
        prepared = HttpClientRequest.setHeader(prepared, "monta-version", montaVersion)
      }
      return Effect.succeed(prepared)
    }

    // H9: every attempt is bounded (a server that accepts and never answers must not hold it).
    const withTimeout = (request: HttpClientRequest.HttpClientRequest): <A, E, R>(
      effect: Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | HttpClientError.RequestError, R> =>
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            description: `no response within ${Duration.format(timeout)}`
          })
      })

    // H8: the bearer header exists only for the send; the response and any error carry `request`.
    const send = (request: HttpClientRequest.HttpClientRequest, token: Redacted.Redacted<string>) =>
      http.execute(HttpClientRequest.bearerToken(request, token)).pipe(
        withTimeout(request),
        Effect.match({
          onFailure: (error): Outcome => {
            countRequest("error")
            return { _tag: "Failure", error: errorWithRequest(error, request) }
          },
          onSuccess: (response): Outcome => {
            countRequest(String(response.status))
            return { _tag: "Response", response: withRequest(response, request) }
          }
        })
      )

    // H8: the server's text never carries the token we sent into the error.
    const apiError = (
      request: HttpClientRequest.HttpClientRequest,
      response: HttpClientResponse.HttpClientResponse,
      token: Redacted.Redacted<string>
    ) =>
      response.text.pipe(
        Effect.orElseSucceed(() =>
          ""
        ),
        Effect.flatMap((text) => {
          const body = decodeMontaErrorBody(scrubSecrets(text, [token]))
          return new MontaApiError({
            status: response.status,
            method: request.method,
            url: request.url,
            ...(body.errorCode !== undefined ? { errorCode: body.errorCode } : {}),
            ...(body.message !== undefined ? { serverMessage: body.message } : {}),
            ...(body.readableMessage !== undefined ? { readableMessage: body.readableMessage } : {})
          })
        })
      )

    const discard = (response: HttpClientResponse.HttpClientResponse) => Effect.ignore(response.text)

    // Backoff of L7: exponential from baseDelay, capped, half of it random; at least what the
    // server asked for (Retry-After, RateLimit-ResetsIn).
    const backoff = (attempt: number, hintMillis: number | undefined) =>
      Effect.map(Random.next, (random) => {
        const cap = Math.min(retry.maxDelay, retry.baseDelay * 2 ** attempt)
        const delay = cap / 2 + (cap / 2) * random
        return hintMillis !== undefined ? Math.max(delay, hintMillis) : delay
      })

    const hintOf = (response: HttpClientResponse.HttpClientResponse) => {
      const headers = parseRateLimitHeaders(response.headers)
      if (headers.retryAfterMillis !== undefined) return headers.retryAfterMillis
      if (headers.resetsInSeconds !== undefined && headers.remaining === 0) return headers.resetsInSeconds * 1000
      return undefined
    }

    // One attempt: a permit of the budget (H3), the current token, the request.
    interface Attempt {
      readonly permit: RateLimitPermit
      readonly token: Redacted.Redacted<string>
      readonly outcome: Outcome
    }
    const attempt = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<Attempt, Api.MontaHttpClientError> =>
      Effect.flatMap(limiter.take(takeOptions), (permit) =>
        Effect.flatMap(
          Effect.tapError(auth.accessToken, () => limiter.observe(permit, noResponse)),
          (token) => Effect.map(send(request, token), (outcome): Attempt => ({ permit, token, outcome }))
        ))

    // What follows an attempt that did not succeed at once: re-authentication, 429 pauses and
    // transient retries, each bounded.
    const recover = (request: HttpClientRequest.HttpClientRequest, first: Attempt) =>
      Effect.gen(function*() {
        const idempotent = idempotentMethods.has(request.method)
        let retries = 0
        let firstFailureAt: number | undefined
        let reauthenticated = false
        let limited = 0
        // The pause before the next transient retry, or undefined when the retries are spent. Time
        // spent waiting for the rate budget does not count against `maxElapsed`.
        const nextRetry = (hintMillis: number | undefined) =>
          Effect.gen(function*() {
            if (retries >= retry.times) return undefined
            const now = yield* Clock.currentTimeMillis
            firstFailureAt ??= now
            const delay = yield* backoff(retries, hintMillis)
            return now + delay - firstFailureAt > retry.maxElapsed ? undefined : delay
          })
        let current = first
        while (true) {
          const { outcome, permit, token } = current
          if (outcome._tag === "Failure") {
            yield* limiter.observe(permit, noResponse)
            // H5: a transport failure is retried for idempotent methods, or when nothing was sent.
            const error = outcome.error
            const delay = idempotent || neverSent(error) ? yield* nextRetry(undefined) : undefined
            if (delay === undefined) return yield* Effect.fail(error)
            yield* Metric.increment(Metric.tagged(httpRetries, "reason", "transport"))
            retries++
            yield* Effect.sleep(Duration.millis(delay))
            current = yield* attempt(request)
            continue
          }
          const response = outcome.response
          yield* limiter.observe(permit, response)
          const status = response.status
          if (status >= 200 && status < 300) return response
          if (status === 401 && !reauthenticated) {
            // H2: drop this token if it is still the current one, send once more with the next.
            reauthenticated = true
            yield* discard(response)
            yield* auth.invalidate(token)
            yield* Metric.increment(Metric.tagged(httpRetries, "reason", "401"))
            current = yield* attempt(request)
            continue
          }
          if (status === 429 && limited < max429Retries) {
            // R3: the limiter paused every caller until the reset; the server did not act on the
            // request, so it goes again (whatever its method) once the pause is over.
            limited++
            yield* discard(response)
            yield* Metric.increment(Metric.tagged(httpRetries, "reason", "429"))
            current = yield* attempt(request)
            continue
          }
          // H5: 408 and 5xx are retried for idempotent methods only; anything else is final (H4).
          const delay = isTransientStatus(status) && idempotent ? yield* nextRetry(hintOf(response)) : undefined
          if (delay === undefined) return yield* apiError(request, response, token)
          yield* discard(response)
          yield* Metric.increment(Metric.tagged(httpRetries, "reason", String(status)))
          retries++
          yield* Effect.sleep(Duration.millis(delay))
          current = yield* attempt(request)
        }
      })

    // The common case, a 2xx at the first attempt, takes no loop and no generator.
    const run = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.flatMap(attempt(request), (first) => {
        const outcome = first.outcome
        if (outcome._tag === "Response" && outcome.response.status >= 200 && outcome.response.status < 300) {
          return Effect.as(limiter.observe(first.permit, outcome.response), outcome.response)
        }
        return recover(request, first)
      })

    // Tracing is the platform client's: one client span per attempt (method, URL, status, headers
    // with `authorization` redacted). A span of our own around the attempts cost about 20 µs a
    // request, a fifth of this client's overhead, for no attribute the attempt spans lack.
    const execute = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.flatMap(prepare(request), (prepared) =>
        checkScope === undefined ? run(prepared) : Effect.zipRight(checkScope(prepared), run(prepared)))

    return HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest, Api.MontaHttpClientError>) =>
        Effect.flatMap(request, execute),
      Effect.succeed
    )
  })

/** @internal */
export const layerRateLimiter = (
  options?: Api.MontaHttpClientOptions | undefined
): Layer.Layer<MontaHttpClient, never, MontaAuth | MontaRateLimiter | HttpClient.HttpClient> =>
  Layer.effect(MontaHttpClient, make(options))

/** @internal */
export const layer = (
  options?: Api.MontaHttpClientOptions | undefined
): Layer.Layer<MontaHttpClient, never, MontaAuth | HttpClient.HttpClient> =>
  layerRateLimiter(options).pipe(
    Layer.provide(rateLimiterLayerMemory({
      rateLimit: options?.rateLimit,
      onRateLimit: options?.onRateLimit,
      calibrate: options?.calibrate
    }))
  )

/** @internal */
export const layerConfig = (
  options?: Api.MontaHttpClientOptions & { readonly auth?: ConfigOptions | undefined } | undefined
): Layer.Layer<
  MontaHttpClient | MontaAuth,
  ConfigError.ConfigError | InvalidOptions | TokenError,
  HttpClient.HttpClient
> => layer(options).pipe(Layer.provideMerge(MontaAuth.layerConfig(options?.auth)))

// ---------------------------------------------------------------------------------------------
// paging (H6)
// ---------------------------------------------------------------------------------------------

/** @internal */
export const pages = <A, I, R>(
  path: string,
  item: Schema.Schema<A, I, R>,
  options?: Api.PaginateOptions | undefined
): Stream.Stream<Page<A>, Api.MontaHttpClientError | ParseResult.ParseError, MontaHttpClient | R> => {
  const perPage = Math.min(perPageBounds.max, Math.max(perPageBounds.min, Math.floor(options?.perPage ?? 100)))
  const decode = Schema.decodeUnknown(Page(item))
  const query = UrlParams.fromInput(options?.query ?? [])
  return Stream.unwrap(
    Effect.map(MontaHttpClient, (client) =>
      Stream.paginateEffect(0, (page: number) =>
        client.get(path, {
          urlParams: UrlParams.setAll(query, { page: String(page), perPage: String(perPage) })
        }).pipe(
          Effect.flatMap((response) => response.json),
          Effect.flatMap(decode),
          Effect.map((result): readonly [Page<A>, Option.Option<number>] => {
            const last = result.data.length === 0 || result.meta.currentPage + 1 >= result.meta.totalPageCount
            return [result, last ? Option.none() : Option.some(result.meta.currentPage + 1)]
          })
        )))
  )
}

/** @internal */
export const paginate = <A, I, R>(
  path: string,
  item: Schema.Schema<A, I, R>,
  options?: Api.PaginateOptions | undefined
): Stream.Stream<A, Api.MontaHttpClientError | ParseResult.ParseError, MontaHttpClient | R> =>
  Stream.mapConcatChunk(pages(path, item, options), (page) => Chunk.unsafeFromArray(page.data as Array<A>))
