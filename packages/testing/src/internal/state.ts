import type { Scope } from "@monta-auth/schema"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { ConsumerInput, Counters, Fault, IssuedTokens, JournalEntry, MontaFakeOptions } from "../MontaFake.js"
import type { ChargePoint, WalletTransaction } from "./model.js"
import { seedChargePoint, seedWalletTransaction } from "./seed.js"
import type { WebhookState } from "./webhooks.js"
import { makeWebhookState } from "./webhooks.js"

/** @internal */
export const demoConsumer: ConsumerInput = {
  clientId: "demo-client-id",
  clientSecret: "demo-client-secret",
  name: "Partner API Demo",
  operatorId: 42,
  teamIds: [],
  scopes: ["all:delete"],
  rateLimit: 1000,
  rateLimitIntervalInSeconds: 600,
  webhookSecret: "demo-webhook-secret"
}

/** @internal */
export const teamConsumer: ConsumerInput = {
  clientId: "team-client-id",
  clientSecret: "team-client-secret",
  name: "Partner API Team 1",
  operatorId: 42,
  teamIds: [1],
  scopes: ["charge-points:read", "wallet-transactions:read"],
  rateLimit: 100,
  rateLimitIntervalInSeconds: 60,
  webhookSecret: "team-webhook-secret"
}

/** @internal */
export interface Consumer {
  readonly clientId: string
  readonly clientSecret: string
  readonly name: string
  readonly operatorId: number
  readonly teamIds: ReadonlyArray<number>
  readonly scopes: ReadonlyArray<Scope>
  readonly rateLimit: number
  readonly rateLimitIntervalInSeconds: number
  readonly webhookSecret: Redacted.Redacted<string>
  readonly operatorIds: ReadonlyArray<number>
  readonly createdAt: string
  readonly updatedAt: string | null
  readonly omitOptionalFields: boolean
  revoked: boolean
}

/** @internal */
export interface AccessRecord {
  readonly clientId: string
  readonly expiresAt: number
  revoked: boolean
}

/** @internal */
export interface RefreshRecord {
  readonly clientId: string
  readonly expiresAt: number
  used: boolean
  revoked: boolean
}

/** @internal */
export interface Window {
  readonly start: number
  count: number
}

/** @internal */
export interface QueuedFault {
  readonly path: string
  remaining: number
  readonly fault: Fault
}

/** @internal */
export type MutableCounters = { -readonly [K in keyof Counters]: Counters[K] } & { byStatus: Record<number, number> }

/** @internal */
export const emptyCounters = (): MutableCounters => ({
  requests: 0,
  tokenRequests: 0,
  refreshRequests: 0,
  meRequests: 0,
  authMeRequests: 0,
  rejectedRefreshes: 0,
  rejectedCredentials: 0,
  rejectedTokens: 0,
  status429: 0,
  dropped: 0,
  faults: 0,
  byStatus: {}
})

/**
 * The fake's whole state. It is only read and written inside `Effect.sync` blocks, which run
 * without interruption or interleaving, so every operation on it is atomic.
 *
 * @internal
 */
export interface State {
  readonly consumers: Map<string, Consumer>
  readonly access: Map<string, AccessRecord>
  readonly refresh: Map<string, RefreshRecord>
  readonly issued: Map<string, Array<IssuedTokens>>
  readonly windows: Map<string, Window>
  faults: Array<QueuedFault>
  offsetMillis: number
  accessLifetimeMillis: number
  refreshLifetimeMillis: number
  journal: Array<JournalEntry>
  readonly journalLimit: number
  counters: MutableCounters
  readonly chargePoints: Map<number, ChargePoint>
  nextChargePointId: number
  readonly walletTransactions: ReadonlyArray<WalletTransaction>
  readonly webhooks: WebhookState
  /** `gone`: `GET /auth/me` answers 404, as after the provider's sunset. */
  authMe: "available" | "gone"
}

// When the seeded consumers were created and last changed, written as the service writes dates.
const consumerCreatedAt = "2023-02-16T07:53:02.059724728Z"
const consumerUpdatedAt = "2023-11-02T14:21:40.512204331Z"

/** @internal */
export const toConsumer = (input: ConsumerInput): Consumer => ({
  clientId: input.clientId,
  clientSecret: input.clientSecret,
  name: input.name ?? input.clientId,
  operatorId: input.operatorId ?? 42,
  teamIds: input.teamIds ?? [],
  scopes: input.scopes ?? ["all:delete"],
  rateLimit: input.rateLimit ?? 1000,
  rateLimitIntervalInSeconds: input.rateLimitIntervalInSeconds ?? 600,
  webhookSecret: Redacted.make(input.webhookSecret ?? `${input.clientId}-webhook-secret`.slice(0, 191)),
  operatorIds: input.operatorIds ?? [],
  createdAt: input.createdAt ?? consumerCreatedAt,
  updatedAt: input.updatedAt === undefined ? consumerUpdatedAt : input.updatedAt,
  omitOptionalFields: input.omitOptionalFields ?? false,
  revoked: false
})

/** @internal */
export const makeState = (options: MontaFakeOptions | undefined): State => {
  const consumers = new Map<string, Consumer>()
  const inputs = options?.consumers ?? [demoConsumer, teamConsumer]
  for (const input of inputs) {
    consumers.set(input.clientId, toConsumer(input))
  }
  const chargePointCount = options?.seed?.chargePoints ?? 250
  const chargePoints = new Map<number, ChargePoint>()
  for (let i = 0; i < chargePointCount; i++) {
    const point = seedChargePoint(i)
    chargePoints.set(point.id, point)
  }
  const walletTransactions: Array<WalletTransaction> = []
  for (let i = 0; i < (options?.seed?.walletTransactions ?? 300); i++) {
    walletTransactions.push(seedWalletTransaction(i))
  }
  return {
    consumers,
    access: new Map(),
    refresh: new Map(),
    issued: new Map(),
    windows: new Map(),
    faults: [],
    offsetMillis: 0,
    accessLifetimeMillis: Duration.toMillis(options?.accessTokenLifetime ?? "1 hour"),
    refreshLifetimeMillis: Duration.toMillis(options?.refreshTokenLifetime ?? "24 hours"),
    journal: [],
    journalLimit: Math.max(0, options?.journalLimit ?? 10_000),
    counters: emptyCounters(),
    chargePoints,
    nextChargePointId: chargePointCount + 1,
    walletTransactions,
    webhooks: makeWebhookState(options, inputs[0]?.clientId),
    authMe: options?.authMe ?? "available"
  }
}

/** The server's now: the `Clock` plus the offset. @internal */
export const serverNow = (state: State): Effect.Effect<number> =>
  Effect.map(Clock.currentTimeMillis, (millis) => millis + state.offsetMillis)
