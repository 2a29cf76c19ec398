/**
 * @since 0.1.0
 */
export * from "./MontaFake.js"

/**
 * @since 0.1.0
 */
export * from "./TestAuth.js"
