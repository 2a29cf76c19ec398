/**
 * What Monta delivers to a webhook (W2): a batch of entries, each a change to one entity. The
 * entity and event types the provider lists are literals, but any other string decodes too, so a
 * new type on Monta's side never turns a delivery into an error. Unknown fields are ignored.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The entity types the provider lists (`WebhookEntryPayload.EntityType`).
 *
 * @since 0.1.0
 * @category models
 */
export const KnownEntityType = Schema.Literal(
  "charge",
  "charge-point",
  "site",
  "user",
  "team",
  "team-member",
  "installer-job",
  "wallet-transaction",
  "price-group",
  "subscription",
  "plan",
  "charge-auth-token",
  "report",
  "ocpp-messages"
)

/**
 * An entry's `entityType`: one of `KnownEntityType`, or any other string.
 *
 * @since 0.1.0
 * @category models
 */
export const WebhookEntityType = Schema.Union(KnownEntityType, Schema.String)

/**
 * @since 0.1.0
 * @category models
 */
export type WebhookEntityType = typeof WebhookEntityType.Type

/**
 * The event types the provider lists (`KafkaEventType`).
 *
 * @since 0.1.0
 * @category models
 */
export const KnownEventType = Schema.Literal(
  "created",
  "updated",
  "deleted",
  "scanned",
  "monta:ocpp:OcppRequestResponse",
  "monta:ocpp:ChargePointConnected",
  "monta:ocpp:ChargePointDisconnected",
  "monta:ocpp:OcppProtocolError",
  "monta:ocpp:OcppRequestTimeout"
)

/**
 * An entry's `eventType`: one of `KnownEventType`, or any other string.
 *
 * @since 0.1.0
 * @category models
 */
export const WebhookEventType = Schema.Union(KnownEventType, Schema.String)

/**
 * @since 0.1.0
 * @category models
 */
export type WebhookEventType = typeof WebhookEventType.Type

/**
 * One change: which entity (`entityType`, `entityId`), what happened (`eventType`, `eventTime`,
 * an ISO date-time string as sent) and the entity itself (`payload`, as sent).
 *
 * @since 0.1.0
 * @category models
 */
export const WebhookEntry = Schema.Struct({
  entityType: WebhookEntityType,
  entityId: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  eventType: WebhookEventType,
  eventTime: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  payload: Schema.optionalWith(Schema.NullOr(Schema.Unknown), { default: () => null })
}).annotations({ identifier: "WebhookEntry" })

/**
 * @since 0.1.0
 * @category models
 */
export type WebhookEntry = typeof WebhookEntry.Type

/**
 * A delivery: the `entries`, how many more are `pending` on Monta's side, and when Monta sent it
 * (`timestamp`, epoch milliseconds; the replay check of W3 compares it to the `Clock`).
 *
 * @since 0.1.0
 * @category models
 */
export const WebhookBatch = Schema.Struct({
  entries: Schema.Array(WebhookEntry),
  pending: Schema.Int,
  timestamp: Schema.Number.pipe(Schema.finite())
}).annotations({ identifier: "WebhookBatch" })

/**
 * @since 0.1.0
 * @category models
 */
export type WebhookBatch = typeof WebhookBatch.Type
