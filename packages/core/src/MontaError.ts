/**
 * The typed errors of monta-auth. Each is a `Schema.TaggedError`, so it can be logged,
 * serialized and matched on; none ever carries a secret or a token.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"

/**
 * `/auth/token` refused the credential (400, 401 or 403): wrong client id or secret, or a revoked
 * credential. Never retried; during the cool-down (L8) later callers fail fast with this error.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>("@monta-auth/core/InvalidCredentials")(
  "InvalidCredentials",
  {
    clientId: Schema.String,
    status: Schema.Number,
    errorCode: Schema.optional(Schema.String),
    serverMessage: Schema.optional(Schema.String),
    /** Until when (epoch milliseconds, Effect Clock) callers fail fast without asking Monta. */
    coolDownUntil: Schema.optional(Schema.Number)
  }
) {
  override get message(): string {
    const code = this.errorCode !== undefined ? ` ${this.errorCode}` : ""
    const detail = this.serverMessage !== undefined ? `: ${this.serverMessage}` : ""
    return `Monta refused the credentials of client ${this.clientId} (HTTP ${this.status}${code})${detail}`
  }
}

/**
 * Getting a token failed for a reason other than bad credentials (transport errors, timeouts,
 * 408, 429, 5xx), after the bounded retries of L7.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenRequestFailed extends Schema.TaggedError<TokenRequestFailed>("@monta-auth/core/TokenRequestFailed")(
  "TokenRequestFailed",
  {
    endpoint: Schema.Literal("/auth/token", "/auth/refresh", "/auth/me", "/consumers/me"),
    reason: Schema.Literal("Transport", "Timeout", "Status", "RateLimited", "ExpiredToken"),
    status: Schema.optional(Schema.Number),
    attempts: Schema.Number,
    detail: Schema.optional(Schema.String)
  }
) {
  override get message(): string {
    const status = this.status !== undefined ? ` (last status ${this.status})` : ""
    const detail = this.detail !== undefined ? `: ${this.detail}` : ""
    const method = this.endpoint === "/auth/me" || this.endpoint === "/consumers/me" ? "GET" : "POST"
    return `${method} ${this.endpoint} failed after ${this.attempts} attempt(s), ${this.reason}${status}${detail}`
  }
}

/**
 * A response whose body is not what the API promises (not JSON, missing fields, bad dates).
 * The message names the problem, never the body's secrets.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>("@monta-auth/core/MalformedResponse")(
  "MalformedResponse",
  {
    method: Schema.String,
    url: Schema.String,
    status: Schema.Number,
    problem: Schema.String
  }
) {
  override get message(): string {
    return `Malformed response to ${this.method} ${this.url} (HTTP ${this.status}): ${this.problem}`
  }
}

/**
 * The credential lacks a scope the program asked for (checked locally, before any request).
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientScope extends Schema.TaggedError<InsufficientScope>("@monta-auth/core/InsufficientScope")(
  "InsufficientScope",
  {
    required: Schema.Array(Schema.String),
    granted: Schema.Array(Schema.String),
    /** The request refused before it was sent (H7), when the check was MontaHttpClient's. */
    method: Schema.optional(Schema.String),
    path: Schema.optional(Schema.String)
  }
) {
  override get message(): string {
    const request = this.method !== undefined && this.path !== undefined ? `${this.method} ${this.path}: ` : ""
    return `${request}${request === "" ? "Missing" : "missing"} scope ${
      this.required.join(", ")
    }; the credential grants ${this.granted.length === 0 ? "no scopes" : this.granted.join(", ")}`
  }
}

/**
 * A non-2xx response from the Monta API, with what the server said.
 *
 * @since 0.1.0
 * @category errors
 */
export class MontaApiError extends Schema.TaggedError<MontaApiError>("@monta-auth/core/MontaApiError")(
  "MontaApiError",
  {
    status: Schema.Number,
    errorCode: Schema.optional(Schema.String),
    serverMessage: Schema.optional(Schema.String),
    /** The provider's text meant for people (`readableMessage` of its error body), when sent. */
    readableMessage: Schema.optional(Schema.String),
    method: Schema.String,
    url: Schema.String
  }
) {
  override get message(): string {
    const code = this.errorCode !== undefined ? ` ${this.errorCode}` : ""
    const text = this.readableMessage ?? this.serverMessage
    const detail = text !== undefined ? `: ${text}` : ""
    return `${this.method} ${this.url} failed with HTTP ${this.status}${code}${detail}`
  }
}

/**
 * The credential's request budget is used up and the caller asked to fail rather than wait.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@monta-auth/core/RateLimited")("RateLimited", {
  /** How long until the window resets. */
  retryAfter: Schema.DurationFromSelf
}) {
  override get message(): string {
    return `The Monta rate budget is used up; retry in ${Duration.format(this.retryAfter)}`
  }
}

/**
 * `MontaCredentials` holds no credential of that name (C1): asked for with `get`, `remove`, or
 * named for a request with `MontaHttpClient.withCredential`. An `add` of a name already held fails
 * with `InvalidOptions` instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownCredential extends Schema.TaggedError<UnknownCredential>("@monta-auth/core/UnknownCredential")(
  "UnknownCredential",
  { name: Schema.String }
) {
  override get message(): string {
    return `No credential named "${this.name}"`
  }
}

/**
 * The `MontaAuth` was asked for a token after the scope of its layer closed (L14): it answers at
 * once instead of waiting for a refresh that can no longer run.
 *
 * @since 0.1.0
 * @category errors
 */
export class MontaAuthClosed extends Schema.TaggedError<MontaAuthClosed>("@monta-auth/core/MontaAuthClosed")(
  "MontaAuthClosed",
  { clientId: Schema.String }
) {
  override get message(): string {
    return `MontaAuth of client ${this.clientId} is closed: its layer's scope has ended`
  }
}

/**
 * A token store could not load or save (file system, Redis). MontaAuth keeps serving from memory.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenStoreError extends Schema.TaggedError<TokenStoreError>("@monta-auth/core/TokenStoreError")(
  "TokenStoreError",
  {
    operation: Schema.String,
    detail: Schema.String
  }
) {
  override get message(): string {
    return `Token store ${this.operation} failed: ${this.detail}`
  }
}

/**
 * Configuration that cannot work: a base URL that is not https (and not loopback), a bad margin.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>("@monta-auth/core/InvalidOptions")(
  "InvalidOptions",
  {
    option: Schema.String,
    problem: Schema.String
  }
) {
  override get message(): string {
    return `Invalid option ${this.option}: ${this.problem}`
  }
}

/**
 * The auth endpoints of the Monta Partner API.
 *
 * @since 0.1.0
 * @category models
 */
export const AuthEndpoint = Schema.Literal("/auth/token", "/auth/refresh", "/auth/me", "/consumers/me")

/**
 * One of `/auth/token`, `/auth/refresh`, `/auth/me`.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthEndpoint = typeof AuthEndpoint.Type

/**
 * An auth endpoint refused the request (HTTP 400, 401 or 403), as `MontaAuthApi` reports it. What
 * it means depends on the endpoint: bad credentials for `/auth/token`, a dead refresh token for
 * `/auth/refresh`, a dead access token for `/auth/me`.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthEndpointRejected
  extends Schema.TaggedError<AuthEndpointRejected>("@monta-auth/core/AuthEndpointRejected")("AuthEndpointRejected", {
    endpoint: AuthEndpoint,
    status: Schema.Number,
    errorCode: Schema.optional(Schema.String),
    serverMessage: Schema.optional(Schema.String)
  })
{
  override get message(): string {
    const code = this.errorCode !== undefined ? ` ${this.errorCode}` : ""
    const detail = this.serverMessage !== undefined ? `: ${this.serverMessage}` : ""
    return `${this.endpoint} refused the request (HTTP ${this.status}${code})${detail}`
  }
}

/**
 * One attempt at an auth endpoint failed without a verdict on the credentials: a transport error,
 * a timeout or a status other than 2xx/400/401/403. `transient` failures (transport, timeout,
 * 408, 429, 5xx) are worth retrying, after at least `retryAfter` milliseconds when the server
 * said so (`Retry-After`, `RateLimit-ResetsIn`).
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthEndpointFailed
  extends Schema.TaggedError<AuthEndpointFailed>("@monta-auth/core/AuthEndpointFailed")("AuthEndpointFailed", {
    endpoint: AuthEndpoint,
    reason: Schema.Literal("Transport", "Timeout", "Status"),
    status: Schema.optional(Schema.Number),
    transient: Schema.Boolean,
    /** Milliseconds the server asked to wait before the next attempt. */
    retryAfter: Schema.optional(Schema.Number),
    errorCode: Schema.optional(Schema.String),
    detail: Schema.optional(Schema.String)
  })
{
  override get message(): string {
    const status = this.status !== undefined ? ` (HTTP ${this.status})` : ""
    const wait = this.retryAfter !== undefined ? `, retry after ${this.retryAfter} ms` : ""
    const detail = this.detail !== undefined ? `: ${this.detail}` : ""
    return `${this.endpoint} failed, ${this.reason}${status}${wait}${detail}`
  }
}

/**
 * Every error a token can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type TokenError = InvalidCredentials | TokenRequestFailed | MalformedResponse | MontaAuthClosed
