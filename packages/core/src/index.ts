/**
 * @since 0.1.0
 */
export * from "./MontaAuth.js"

/**
 * @since 0.1.0
 */
export * from "./AuthEvent.js"
/**
 * @since 0.1.0
 */
export * from "./MontaError.js"
/**
 * @since 0.1.0
 */
export * from "./TokenStore.js"
/**
 * @since 0.1.0
 */
export * from "./MontaRateLimiter.js"
/**
 * @since 0.1.0
 */
export * from "./MontaHttpClient.js"
/**
 * @since 0.1.0
 */
export * from "./MontaAuthApi.js"

/**
 * `MontaCredentials`: several named credentials in one program, least privilege per request.
 *
 * @since 0.1.0
 */
export * from "./MontaCredentials.js"
