/**
 * `@monta-auth/schema`: every Monta Partner API auth payload as an Effect `Schema`, the scope
 * grammar and `grants`.
 *
 * @since 0.1.0
 */

/**
 * `requiredScope`, `endpointFor` and `endpoints`: the provider's endpoint table (SPEC H7).
 *
 * @since 0.1.0
 */
export * from "./Endpoint.js"
/**
 * `Me`: the payload of `GET /auth/me`.
 *
 * @since 0.1.0
 */
export * from "./Me.js"
/**
 * `MontaDateTime`: the API's ISO-8601 dates (0 to 9 fractional digits) as `DateTime.Utc`.
 *
 * @since 0.1.0
 */
export * from "./MontaDateTime.js"
/**
 * `MontaErrorBody`: the undocumented error bodies, decoded leniently.
 *
 * @since 0.1.0
 */
export * from "./MontaErrorBody.js"
/**
 * `Page(item)`: the paged list envelope.
 *
 * @since 0.1.0
 */
export * from "./Page.js"
/**
 * `RateLimitHeaders`: the `RateLimit-*` and `Retry-After` response headers.
 *
 * @since 0.1.0
 */
export * from "./RateLimit.js"
/**
 * `Scope`: the `entity:permission` grammar, `grants` and `missingScopes`.
 *
 * @since 0.1.0
 */
export * from "./Scope.js"
/**
 * `ScopeSpellings` and `normalizeScope`: how the endpoint table reads the provider's misspelled scopes.
 *
 * @since 0.1.0
 */
export * from "./ScopeSpelling.js"
/**
 * `TokenRequest`, `RefreshRequest` and `TokenPair`: the bodies of `/auth/token` and `/auth/refresh`.
 *
 * @since 0.1.0
 */
export * from "./Token.js"
