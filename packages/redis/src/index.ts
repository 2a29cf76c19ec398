/**
 * @since 0.1.0
 */
export * from "./RedisTokenStore.js"
/**
 * @since 0.1.0
 */
export * from "./RedisRateLimiterStore.js"
/**
 * @since 0.1.0
 */
export * from "./RedisFleet.js"
/**
 * @since 0.1.0
 */
export * from "./WebhookDedupe.js"
