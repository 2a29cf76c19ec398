import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { createHmac } from "node:crypto"
import type { MontaFakeOptions, WebhookConfig, WebhookDelivery, WebhookEvent } from "../MontaFake.js"
import { isoAt } from "./seed.js"
import type { State } from "./state.js"

/** One entry of the envelope, as the provider writes it. @internal */
export interface WireEntry {
  readonly entityType: string
  readonly entityId: string | null
  readonly eventType: string
  readonly eventTime: string | null
  readonly payload: unknown
}

/** A consumer's webhook configuration as the fake keeps it. @internal */
export interface Subscription {
  readonly url: string
  /** `undefined`: every event type (`*`). */
  readonly eventTypes: ReadonlySet<string> | undefined
}

/** An entry waiting for its batch, and whom it is for. @internal */
export interface QueuedEntry {
  readonly clientId: string
  readonly entry: WireEntry
}

/** A batch and its attempts, mutable inside `Effect.sync` only. @internal */
export interface DeliveryRecord {
  readonly batch: number
  readonly clientId: string
  readonly url: string
  readonly entries: ReadonlyArray<WireEntry>
  status: WebhookDelivery["status"]
  readonly attempts: Array<WebhookDelivery["attempts"][number]>
}

/** The webhook part of the fake's state. @internal */
export interface WebhookState {
  readonly subscriptions: Map<string, Subscription>
  queue: Array<QueuedEntry>
  /** Open while `queue` holds entries: the batching fiber sleeps on it otherwise. */
  readonly wakeUp: Effect.Latch
  readonly deliveries: Array<DeliveryRecord>
  nextBatch: number
  readonly batchIntervalMillis: number
  readonly retryInterval: Duration.Duration
  readonly retryFor: Duration.Duration
  readonly maxBatchSize: number
}

/**
 * The event type a consumer subscribes to for an entity type: `charge-point` is delivered to
 * subscribers of `charge-points` (the provider's two lists, singular entities and plural event
 * types), `ocpp-messages` is both.
 *
 * @internal
 */
export const subscriptionOf = (entityType: string): string => entityType.endsWith("s") ? entityType : `${entityType}s`

const toSubscription = (config: WebhookConfig): Subscription => ({
  url: config.url,
  eventTypes: config.eventTypes === undefined || config.eventTypes.includes("*")
    ? undefined
    : new Set(config.eventTypes)
})

/** The server's now (state.ts's `serverNow`, which imports this module). */
const serverNow = (state: State) => Effect.map(Clock.currentTimeMillis, (millis) => millis + state.offsetMillis)

/** @internal */
export const makeWebhookState = (options: MontaFakeOptions | undefined, firstClientId: string | undefined) => {
  const subscriptions = new Map<string, Subscription>()
  const configs = options?.webhook === undefined
    ? []
    : Array.isArray(options.webhook)
    ? options.webhook as ReadonlyArray<WebhookConfig>
    : [options.webhook as WebhookConfig]
  for (const config of configs) {
    const clientId = config.clientId ?? firstClientId
    if (clientId !== undefined) subscriptions.set(clientId, toSubscription(config))
  }
  const timing = options?.webhookTiming
  const state: WebhookState = {
    subscriptions,
    queue: [],
    wakeUp: Effect.unsafeMakeLatch(false),
    deliveries: [],
    nextBatch: 1,
    batchIntervalMillis: Duration.toMillis(timing?.batchInterval ?? "2 seconds"),
    retryInterval: Duration.decode(timing?.retryInterval ?? "60 seconds"),
    retryFor: Duration.decode(timing?.retryFor ?? "24 hours"),
    maxBatchSize: Math.max(1, timing?.maxBatchSize ?? 100)
  }
  return state
}

/** Sets (or replaces) the webhook of `config.clientId` (default: the fake's first consumer). @internal */
export const setWebhook = (state: State, config: WebhookConfig) => {
  const clientId = config.clientId ?? state.consumers.keys().next().value
  if (clientId !== undefined) state.webhooks.subscriptions.set(clientId, toSubscription(config))
}

const subscribed = (subscription: Subscription, entityType: string) =>
  subscription.eventTypes === undefined || subscription.eventTypes.has(subscriptionOf(entityType))

/**
 * Queues `entry` for every consumer with a webhook subscribed to its entity type that `sees` (an
 * item of another team is not sent to a team-restricted consumer), or for `clientId` only. Runs
 * inside `Effect.sync` (the handlers' and the controls').
 *
 * @internal
 */
export const enqueue = (
  state: State,
  entry: WireEntry,
  options: { readonly clientId?: string | undefined; readonly teamId?: number | undefined } = {}
) => {
  const webhooks = state.webhooks
  for (const [clientId, subscription] of webhooks.subscriptions) {
    if (options.clientId !== undefined && clientId !== options.clientId) continue
    if (!subscribed(subscription, entry.entityType)) continue
    const consumer = state.consumers.get(clientId)
    if (consumer === undefined) continue
    if (
      options.teamId !== undefined && consumer.teamIds.length > 0 && !consumer.teamIds.includes(options.teamId)
    ) continue
    webhooks.queue.push({ clientId, entry })
  }
  if (webhooks.queue.length > 0) webhooks.wakeUp.unsafeOpen()
}

/** The entry of an event a test emits, its `eventTime` the server's now unless given. @internal */
export const emit = (state: State, event: WebhookEvent) =>
  Effect.flatMap(serverNow(state), (now) =>
    Effect.sync(() =>
      enqueue(state, {
        entityType: event.entityType,
        entityId: event.entityId === undefined ? null : event.entityId,
        eventType: event.eventType,
        eventTime: event.eventTime === undefined ? isoAt(now, `webhook:${event.entityType}:${now}`) : event.eventTime,
        payload: event.payload === undefined ? null : event.payload
      }, { clientId: event.clientId, teamId: event.teamId })
    ))

/** `sha1=<lower-case hex>`: the HMAC-SHA1 of `body` keyed with the secret's bytes. @internal */
export const signature = (secret: Redacted.Redacted<string>, body: Uint8Array) =>
  `sha1=${createHmac("sha1", Redacted.value(secret)).update(body).digest("hex")}`

const encoder = new TextEncoder()

/** Entries of the consumer still waiting (queued or in batches not yet answered 2xx), but `batch`'s. */
const pendingOf = (state: State, clientId: string, batch: number) =>
  state.webhooks.queue.filter((queued) => queued.clientId === clientId).length +
  state.webhooks.deliveries.reduce(
    (n, record) =>
      record.clientId === clientId && record.batch !== batch && record.status === "pending"
        ? n + record.entries.length
        : n,
    0
  )

/**
 * One attempt of a batch: a new envelope (the `timestamp` is the server's now, so a retry is not
 * stale), compact JSON signed over its exact bytes, POSTed; it fails unless answered 2xx.
 */
const attempt = (state: State, record: DeliveryRecord, client: HttpClient.HttpClient) =>
  Effect.gen(function*() {
    const consumer = state.consumers.get(record.clientId)
    if (consumer === undefined) return yield* Effect.fail("consumer removed" as const)
    const timestamp = yield* serverNow(state)
    const body = JSON.stringify({
      entries: record.entries,
      pending: pendingOf(state, record.clientId, record.batch),
      timestamp
    })
    const bytes = encoder.encode(body)
    const signed = signature(consumer.webhookSecret, bytes)
    const status = yield* client.execute(
      HttpClientRequest.post(record.url).pipe(
        HttpClientRequest.setHeaders({ "X-Monta-Signature": signed, "User-Agent": "MontaFake-Webhooks" }),
        HttpClientRequest.bodyUint8Array(bytes, "application/json")
      )
    ).pipe(
      Effect.flatMap((response) => Effect.as(Effect.ignore(response.text), response.status)),
      Effect.scoped,
      Effect.catchAll(() => Effect.succeed(0))
    )
    yield* Effect.sync(() => record.attempts.push({ at: timestamp, status, body, signature: signed }))
    if (status < 200 || status >= 300) return yield* Effect.fail("not acknowledged" as const)
  })

/** Takes the queued entries into batches of at most `maxBatchSize` per consumer. */
const takeBatches = (state: State): ReadonlyArray<DeliveryRecord> => {
  const webhooks = state.webhooks
  const queued = webhooks.queue
  webhooks.queue = []
  webhooks.wakeUp.unsafeClose()
  const byConsumer = new Map<string, Array<WireEntry>>()
  for (const { clientId, entry } of queued) {
    const list = byConsumer.get(clientId) ?? []
    list.push(entry)
    byConsumer.set(clientId, list)
  }
  const records: Array<DeliveryRecord> = []
  for (const [clientId, entries] of byConsumer) {
    const subscription = webhooks.subscriptions.get(clientId)
    if (subscription === undefined) continue
    for (let i = 0; i < entries.length; i += webhooks.maxBatchSize) {
      const record: DeliveryRecord = {
        batch: webhooks.nextBatch++,
        clientId,
        url: subscription.url,
        entries: entries.slice(i, i + webhooks.maxBatchSize),
        status: "pending",
        attempts: []
      }
      webhooks.deliveries.push(record)
      records.push(record)
    }
  }
  return records
}

/**
 * The delivery fiber: it sleeps until an entry is queued, gives the batch `batchInterval` (on the
 * `Clock`) to fill, then sends each consumer's batch in a fiber of its own, retried every
 * `retryInterval` for up to `retryFor` until answered 2xx (then `failed`). Nothing wakes it while
 * nothing is queued, so a test that moves the `TestClock` by days costs nothing.
 *
 * @internal
 */
export const deliver = (
  state: State,
  client: HttpClient.HttpClient
): Effect.Effect<never, never, Scope.Scope> =>
  Effect.gen(function*() {
    const webhooks = state.webhooks
    const fibers = yield* FiberSet.make()
    const retry = Schedule.spaced(webhooks.retryInterval).pipe(Schedule.upTo(webhooks.retryFor))
    const send = (record: DeliveryRecord) =>
      attempt(state, record, client).pipe(
        Effect.retry(retry),
        Effect.matchEffect({
          onFailure: () => Effect.sync(() => void (record.status = "failed")),
          onSuccess: () => Effect.sync(() => void (record.status = "completed"))
        })
      )
    return yield* webhooks.wakeUp.await.pipe(
      Effect.zipRight(Effect.sleep(webhooks.batchIntervalMillis)),
      Effect.zipRight(Effect.sync(() => takeBatches(state))),
      Effect.flatMap((records) => Effect.forEach(records, (record) => FiberSet.run(fibers, send(record)))),
      Effect.forever
    )
  })

/** A copy of the deliveries for a test. @internal */
export const snapshot = (state: State): ReadonlyArray<WebhookDelivery> =>
  state.webhooks.deliveries.map((record) => ({
    batch: record.batch,
    clientId: record.clientId,
    url: record.url,
    entries: record.entries.length,
    status: record.status,
    attempts: record.attempts.slice()
  }))

/** The `HttpClient` of the delivery fiber, without the fake's own tracer propagation headers. @internal */
export const deliveryClient = (client: HttpClient.HttpClient) => HttpClient.withTracerPropagation(client, false)
