/**
 * Our own HTTP client instrumentation (SPEC section 9, H8): one client-kind span and one
 * `http.client.request.duration` observation per attempt sent, named and attributed as the
 * OpenTelemetry HTTP client semantic conventions say.
 *
 * It replaces the platform's `http.client` span for our requests (the caller disables that one with
 * `HttpClient.withTracerDisabledWhen`): the platform ends its span with an exit holding the
 * response, whose request keeps what was sent (the client secret in the body of /auth/token, the
 * refresh token, the bearer header). Ours ends with `Exit.void`, or with the typed error the
 * caller mapped (already scrubbed), never with a request or a response.
 *
 * @internal
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import { durationRecorder } from "./httpMetrics.js"

/**
 * What one attempt reports while it runs: the caller marks the request it sends, the response's
 * head when it comes, and a failure it hands back as a value (a transport error, a 4xx or 5xx).
 */
export class HttpAttempt {
  status: number | undefined = undefined
  errorType: string | undefined = undefined
  error: unknown = undefined
  constructor(
    readonly span: Tracer.Span | undefined,
    private readonly redactedNames: ReadonlyArray<string | RegExp>,
    private readonly propagate: boolean
  ) {}
  /** The request as it goes on the wire: its headers recorded (redacted), the trace context added. */
  sending(request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest {
    const span = this.span
    if (span === undefined) return request
    const headers = Headers.redact(request.headers, this.redactedNames)
    for (const name in headers) span.attribute(`http.request.header.${name}`, String(headers[name]))
    return this.propagate ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span)) : request
  }
  /** The response's head: its status, and its headers recorded (redacted). */
  received(response: HttpClientResponse.HttpClientResponse): void {
    this.status = response.status
    const span = this.span
    if (span === undefined) return
    span.attribute("http.response.status_code", response.status)
    const headers = Headers.redact(response.headers, this.redactedNames)
    for (const name in headers) span.attribute(`http.response.header.${name}`, String(headers[name]))
  }
  /** The attempt failed, though its effect succeeds: `error` (typed, scrubbed) ends the span. */
  failed(errorType: string, error: unknown): void {
    this.errorType = errorType
    this.error = error
  }
}

// Semantic conventions: query values of these keys are redacted in `url.full`; we add any key
// that names a token, a secret, a password, a key, a signature or a credential.
const sensitiveQueryKey =
  /^(AWSAccessKeyId|Signature|sig|X-Goog-Signature)$|token|secret|passw|key|signature|credential/i

/** `url.full` without userinfo and with the values of sensitive query keys redacted. */
const fullUrl = (request: HttpClientRequest.HttpClientRequest): string | undefined => {
  const result = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  if (result._tag === "Left") return undefined
  const url = result.right
  url.username = ""
  url.password = ""
  for (const key of new Set(url.searchParams.keys())) {
    if (sensitiveQueryKey.test(key)) url.searchParams.set(key, "REDACTED")
  }
  return url.toString()
}

/** A low-cardinality name of a failure (the `error.type` attribute). */
const errorTypeOf = (cause: Cause.Cause<unknown>): string => {
  const failure = Option.getOrUndefined(Cause.failureOption(cause))
  if (typeof failure !== "object" || failure === null) return "_OTHER"
  const fields = failure as { readonly _tag?: unknown; readonly reason?: unknown; readonly status?: unknown }
  if (fields.reason === "Timeout") return "timeout"
  if (typeof fields.status === "number" && fields.status >= 400) return String(fields.status)
  return typeof fields._tag === "string" ? fields._tag : "_OTHER"
}

/**
 * The attempts before this one of an auth request, set by the auth retry loop (`authRetry.ts`)
 * around each retry, so a retried `/auth/token` or `/auth/refresh` carries
 * `http.request.resend_count` like MontaHttpClient's retried requests.
 *
 * @internal
 */
export const currentResendCount: FiberRef.FiberRef<number> = globalValue(
  Symbol.for("@monta-auth/core/httpSpan/currentResendCount"),
  () => FiberRef.unsafeMake(0)
)

/** How one request is named and what it was. */
export interface AttemptOptions {
  /** Attempts before this one of the same request (`http.request.resend_count` when above 0). */
  readonly resendCount?: number | undefined
  /** The URL's template when it is known (the span is then named `METHOD template`). */
  readonly template?: string | undefined
}

/** The `server.address` and `server.port` of a base URL. */
const serverOf = (baseUrl: string) => {
  const url = new URL(baseUrl)
  const address = url.hostname.replace(/^\[(.*)\]$/, "$1")
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80
  return { address, port }
}

/**
 * The instrumentation of the requests to one server: `instrument(request, options, f)` runs `f`
 * as one attempt, in a client span when tracing is on, and records its duration.
 */
export const makeInstrument = (baseUrl: string) => {
  const server = serverOf(baseUrl)
  const record = durationRecorder(server.address, server.port)
  // The clock's unsafe reading, as Effect's own spans take it (TestClock's `currentTimeNanos`
  // throws on a fractional millisecond).
  const end = <A, E>(
    attempt: HttpAttempt,
    method: string,
    clock: Clock.Clock,
    startedAt: bigint,
    exit: Exit.Exit<A, E>
  ) =>
    Effect.sync(() => {
      const endedAt = clock.unsafeCurrentTimeNanos()
      const interrupted = Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
      const status = attempt.status
      const errorType = attempt.errorType ??
        (Exit.isFailure(exit)
          ? (interrupted ? "interrupted" : errorTypeOf(exit.cause))
          : status !== undefined && status >= 400
          ? String(status)
          : undefined)
      record(Number(endedAt - startedAt) / 1e9, method, status, errorType)
      const span = attempt.span
      if (span === undefined) return
      if (errorType !== undefined && !interrupted) span.attribute("error.type", errorType)
      span.end(
        endedAt,
        Exit.isFailure(exit) ? exit : attempt.error === undefined ? Exit.void : Exit.fail(attempt.error)
      )
    })

  return <A, E, R>(
    request: HttpClientRequest.HttpClientRequest,
    options: AttemptOptions,
    f: (attempt: HttpAttempt) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E, R> =>
    Effect.clockWith((clock) =>
      Effect.withFiberRuntime<A, E, R>((fiber) => {
        const startedAt = clock.unsafeCurrentTimeNanos()
        const method = request.method
        const redacted = fiber.getFiberRef(Headers.currentRedactedNames)
        if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) {
          const attempt = new HttpAttempt(undefined, redacted, false)
          return Effect.onExit(f(attempt), (exit) => end(attempt, method, clock, startedAt, exit))
        }
        const attributes: Record<string, unknown> = {
          "http.request.method": method,
          "server.address": server.address,
          "server.port": server.port
        }
        const url = fullUrl(request)
        if (url !== undefined) attributes["url.full"] = url
        if (options.template !== undefined) attributes["url.template"] = options.template
        const resendCount = options.resendCount ?? fiber.getFiberRef(currentResendCount)
        if (resendCount > 0) attributes["http.request.resend_count"] = resendCount
        const name = options.template === undefined ? method : `${method} ${options.template}`
        return Effect.flatMap(
          Effect.makeSpan(name, { kind: "client", attributes, captureStackTrace: false }),
          (span) => {
            const attempt = new HttpAttempt(span, redacted, fiber.getFiberRef(HttpClient.currentTracerPropagation))
            return Effect.onExit(
              Effect.withParentSpan(f(attempt), span),
              (exit) => end(attempt, method, clock, startedAt, exit)
            )
          }
        )
      })
    )
}
