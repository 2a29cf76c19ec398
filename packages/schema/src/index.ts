/**
 * @since 0.1.0
 */
export * from "./Me.js"
/**
 * @since 0.1.0
 */
export * from "./MontaDateTime.js"
/**
 * @since 0.1.0
 */
export * from "./MontaErrorBody.js"
/**
 * @since 0.1.0
 */
export * from "./Page.js"
/**
 * @since 0.1.0
 */
export * from "./RateLimit.js"
/**
 * @since 0.1.0
 */
export * from "./Scope.js"
/**
 * @since 0.1.0
 */
export * from "./Token.js"
