import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { decodeMontaErrorBody } from "@monta-auth/schema"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { constTrue } from "effect/Function"
import * as Metric from "effect/Metric"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { MontaAuth, type RetryInput } from "../MontaAuth.js"
import { MontaApiError } from "../MontaError.js"
import type * as Api from "../MontaHttpClient.js"
import { MontaRateLimiter, type RateLimitPermit } from "../MontaRateLimiter.js"
import { countRequest, httpRetries } from "./httpMetrics.js"
import { idempotentMethods, isTransientStatus, neverSent } from "./httpPolicy.js"
import { makeInstrument } from "./httpSpan.js"
import { scrubSecrets } from "./montaAuthApi.js"
import { parseRateLimitHeaders } from "./montaRateLimitHeaders.js"
import { errorWithRequest, withRequest } from "./platformErrors.js"
import { remainingRecorder } from "./rateLimitMetrics.js"
import { policy, resolveLimits, stepper } from "./retryPolicy.js"
import { isAbsolute, scopeCheck } from "./scopeCheck.js"

/** H9: the default timeout of one attempt, until the response headers arrive. */
const defaultRequestTimeout = Duration.seconds(30)

/** H5: the user's Schedule, or ours from the retry options (5 retries at most by default). */
const retrySchedule = (retry: Api.MontaHttpClientOptions["retry"]): Schedule.Schedule<unknown, RetryInput> =>
  Schedule.isSchedule(retry) ? retry as Schedule.Schedule<unknown, RetryInput> : policy(resolveLimits(retry, 5))

// A request answered with 429 is sent again after the pause; past this many in a row it fails.
const max429Retries = 5

// ---------------------------------------------------------------------------------------------
// the client
// ---------------------------------------------------------------------------------------------

const noResponse = { status: 0, headers: {} }

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
    // H8: the platform's own span ends with the request it sent (our bearer header in it); each
    // attempt gets a span of ours instead (httpSpan.ts).
    const http = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, constTrue)
    const baseUrl = auth.baseUrl.replace(/\/+$/, "")
    const instrument = makeInstrument(baseUrl)
    const setRemaining = remainingRecorder(auth.clientId)
    const schedule = retrySchedule(options?.retry)
    const timeout = Duration.decode(options?.requestTimeout ?? defaultRequestTimeout)
    const montaVersion = options?.montaVersion
    const onExceeded = options?.onRateLimit
    const takeOptions = onExceeded === undefined ? undefined : { onExceeded }

    // H7: the endpoint's required scope against the credential's, before anything is sent.
    const checkScope = scopeCheck(auth, baseUrl, options?.scopeCheck ?? "enforce")

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

    const timedOut = `no response within ${Duration.format(timeout)}`
    // H9: every attempt is bounded (a server that accepts and never answers must not hold it).
    const withTimeout = (request: HttpClientRequest.HttpClientRequest): <A, E, R>(
      effect: Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | HttpClientError.RequestError, R> =>
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new HttpClientError.RequestError({ request, reason: "Transport", description: timedOut })
      })

    // H8: the bearer header exists only for the send; the response and any error carry `request`,
    // and the attempt's span ends with that error, or a MontaApiError of the status (SPEC 9).
    const send = (
      request: HttpClientRequest.HttpClientRequest,
      token: Redacted.Redacted<string>,
      resendCount: number
    ) =>
      instrument(request, { resendCount }, (attempt) =>
        http.execute(attempt.sending(HttpClientRequest.bearerToken(request, token))).pipe(
          withTimeout(request),
          Effect.match({
            onFailure: (error): Outcome => {
              countRequest("error")
              const scrubbed = errorWithRequest(error, request)
              attempt.failed(
                scrubbed._tag === "RequestError" && scrubbed.description === timedOut ? "timeout" : scrubbed._tag,
                scrubbed
              )
              return { _tag: "Failure", error: scrubbed }
            },
            onSuccess: (response): Outcome => {
              const status = response.status
              countRequest(String(status))
              attempt.received(response)
              if (status >= 400) {
                attempt.failed(String(status), new MontaApiError({ status, method: request.method, url: request.url }))
              }
              return { _tag: "Response", response: withRequest(response, request) }
            }
          })
        ))

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

    const discard = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.ignore(response.text)

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
    // `resendCount` counts the attempts before this one (http.request.resend_count).
    const attempt = (
      request: HttpClientRequest.HttpClientRequest,
      resendCount: number
    ): Effect.Effect<Attempt, Api.MontaHttpClientError> =>
      Effect.flatMap(limiter.take(takeOptions), (permit) => {
        setRemaining(permit.remaining)
        return Effect.flatMap(
          Effect.tapError(auth.accessToken, () => limiter.observe(permit, noResponse)),
          (token) => Effect.map(send(request, token, resendCount), (outcome): Attempt => ({ permit, token, outcome }))
        )
      })

    // What follows an attempt that did not succeed at once: re-authentication, 429 pauses and
    // transient retries, each bounded.
    const recover = (request: HttpClientRequest.HttpClientRequest, first: Attempt) =>
      Effect.gen(function*() {
        const idempotent = idempotentMethods.has(request.method)
        let reauthenticated = false
        let limited = 0
        // L7/H5: the pause before the next transient retry, or undefined when the policy is done.
        // Only transient failures step it: 401s and 429s (through the budget) are not its business.
        const next = stepper(schedule)
        const nextRetry = (hintMillis: number | undefined) => next(hintMillis === undefined ? {} : { hintMillis })
        let current = first
        let resends = 0
        while (true) {
          const { outcome, permit, token } = current
          if (outcome._tag === "Failure") {
            yield* limiter.observe(permit, noResponse)
            // H5: a transport failure is retried for idempotent methods, or when nothing was sent.
            const error = outcome.error
            const delay = idempotent || neverSent(error) ? yield* nextRetry(undefined) : undefined
            if (delay === undefined) return yield* Effect.fail(error)
            yield* Metric.increment(Metric.tagged(httpRetries, "reason", "transport"))
            yield* Effect.sleep(Duration.millis(delay))
            current = yield* attempt(request, ++resends)
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
            current = yield* attempt(request, ++resends)
            continue
          }
          if (status === 429 && limited < max429Retries) {
            // R3: the limiter paused every caller until the reset; the server did not act on the
            // request, so it goes again (whatever its method) once the pause is over.
            limited++
            yield* discard(response)
            yield* Metric.increment(Metric.tagged(httpRetries, "reason", "429"))
            current = yield* attempt(request, ++resends)
            continue
          }
          // H5: 408 and 5xx are retried for idempotent methods only; anything else is final (H4).
          const delay = isTransientStatus(status) && idempotent ? yield* nextRetry(hintOf(response)) : undefined
          if (delay === undefined) return yield* apiError(request, response, token)
          yield* discard(response)
          yield* Metric.increment(Metric.tagged(httpRetries, "reason", String(status)))
          yield* Effect.sleep(Duration.millis(delay))
          current = yield* attempt(request, ++resends)
        }
      })

    // The common case, a 2xx at the first attempt, takes no loop and no generator.
    const run = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.flatMap(attempt(request, 0), (first) => {
        const outcome = first.outcome
        if (outcome._tag === "Response" && outcome.response.status >= 200 && outcome.response.status < 300) {
          return Effect.as(limiter.observe(first.permit, outcome.response), outcome.response)
        }
        return recover(request, first)
      })

    // Tracing is per attempt (httpSpan.ts): one client span each, no span of ours around them (it
    // cost about 20 µs a request, a fifth of this client's overhead, for no attribute they lack).
    const execute = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.flatMap(prepare(request), (prepared) =>
        checkScope === undefined ? run(prepared) : Effect.zipRight(checkScope(prepared), run(prepared)))

    return HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest, Api.MontaHttpClientError>) =>
        Effect.flatMap(request, execute),
      Effect.succeed
    )
  })
