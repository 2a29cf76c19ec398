/**
 * What MontaFake records for assertions: its request journal and counters, the tokens it issued,
 * and its webhook deliveries.
 *
 * @since 0.1.0
 */
import type { Fault } from "./Fault.js"

/**
 * One request the fake answered: `path` is relative to `/api/v1` without the query, `at` is the
 * epoch milliseconds of the caller's `Clock` (without the server clock offset) when it arrived,
 * `status` is 0 for a dropped connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface JournalEntry {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly at: number
  readonly clientId?: string | undefined
  readonly fault?: Fault["_tag"] | undefined
}

/**
 * Request counters since the start or the last `resetJournal`.
 *
 * - `tokenRequests`, `refreshRequests`: requests to each auth endpoint, whatever their outcome
 *   (faulted ones included); `meRequests`: requests for the consumer, to `/consumers/me` and to
 *   `/auth/me` alike; `authMeRequests`: those to the deprecated `/auth/me` only.
 * - `rejectedRefreshes`: 401 answers of `/auth/refresh`; `rejectedCredentials`: 401 answers of
 *   `/auth/token`; `rejectedTokens`: 401 answers of bearer endpoints (including the consumer's).
 * - `status429`: 429 answers (rate limited or injected); `dropped`: dropped connections;
 *   `faults`: requests that met an injected fault; `byStatus`: answers per status.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  readonly requests: number
  readonly tokenRequests: number
  readonly refreshRequests: number
  readonly meRequests: number
  readonly authMeRequests: number
  readonly rejectedRefreshes: number
  readonly rejectedCredentials: number
  readonly rejectedTokens: number
  readonly status429: number
  readonly dropped: number
  readonly faults: number
  readonly byStatus: Readonly<Record<number, number>>
}

/**
 * A token pair the fake issued, with its expiry instants in epoch milliseconds of the server's
 * clock (offset included).
 *
 * @since 0.1.0
 * @category models
 */
export interface IssuedTokens {
  readonly accessToken: string
  readonly refreshToken: string
  readonly accessExpiresAt: number
  readonly refreshExpiresAt: number
}

/**
 * The event types a webhook subscribes to, as the provider lists them (`WebhookEntry.EventType`).
 * An entry of entity type `charge-point` goes to subscribers of `charge-points`.
 *
 * @since 0.1.0
 * @category models
 */
export type WebhookEventType =
  | "charges"
  | "charge-points"
  | "sites"
  | "users"
  | "team-members"
  | "teams"
  | "installer-jobs"
  | "wallet-transactions"
  | "price-groups"
  | "subscriptions"
  | "plans"
  | "charge-auth-tokens"
  | "reports"
  | "ocpp-messages"
  | "charge-points-protocol-updates"

/**
 * A consumer's webhook (the provider's `PUT /webhooks/config`): where the fake POSTs its signed
 * batches and which event types (default `["*"]`, every one). `clientId` defaults to the fake's
 * first consumer (`demo-client-id` by default); the batches are signed with its `webhookSecret`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookConfig {
  readonly url: string
  readonly eventTypes?: ReadonlyArray<WebhookEventType | "*"> | undefined
  readonly clientId?: string | undefined
}

/**
 * An event a test emits with `emitWebhook`, as one entry of the envelope: `entityType` such as
 * `"charge"`, `eventType` such as `"created"` (unknown ones are sent as given), `entityId`,
 * `eventTime` (default the server's now) and `payload` (default `null`). It goes to `clientId`
 * only when given, otherwise to every consumer whose webhook subscribes to the entity's event type
 * and, when `teamId` is given, that sees that team.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookEvent {
  readonly entityType: string
  readonly eventType: string
  readonly entityId?: string | null | undefined
  readonly eventTime?: string | null | undefined
  readonly payload?: unknown
  readonly clientId?: string | undefined
  readonly teamId?: number | undefined
}

/**
 * One POST of a batch: `at` is the envelope's `timestamp` (epoch milliseconds of the server's
 * clock), `body` the exact JSON sent, `signature` its `X-Monta-Signature`, `status` the answer's
 * status (0 when none came: connection refused, reset, ...).
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookAttempt {
  readonly at: number
  readonly status: number
  readonly body: string
  readonly signature: string
}

/**
 * A batch the fake delivers: its number (from 1), the consumer and URL, how many entries it holds,
 * its attempts so far, and its status: `pending` until a 2xx answer (`completed`) or until the
 * retries gave up (`failed`).
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookDelivery {
  readonly batch: number
  readonly clientId: string
  readonly url: string
  readonly entries: number
  readonly status: "pending" | "completed" | "failed"
  readonly attempts: ReadonlyArray<WebhookAttempt>
}
