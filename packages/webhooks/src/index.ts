/**
 * @since 0.1.0
 */
export * from "./MontaWebhook.js"
/**
 * @since 0.1.0
 */
export * from "./InvalidWebhook.js"
/**
 * @since 0.1.0
 */
export * from "./WebhookBatch.js"
/**
 * @since 0.1.0
 */
export * from "./WebhookDedupe.js"
