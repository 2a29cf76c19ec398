import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { FaultSpec, MontaFakeService } from "../MontaFake.js"
import { normalizePath } from "./request.js"
import type { State } from "./state.js"
import { emptyCounters, serverNow, toConsumer } from "./state.js"
import { prune } from "./tokens.js"
import * as webhooks from "./webhooks.js"

/** A signed duration: `Duration` cannot be negative, so a leading "-" or a negative number is read here. */
const durationMillis = (input: Duration.DurationInput): number => {
  if (typeof input === "number") return input
  if (typeof input === "string" && input.trim().startsWith("-")) {
    return -Duration.toMillis(input.trim().slice(1).trim() as Duration.DurationInput)
  }
  return Option.match(Duration.decodeUnknown(input), {
    onNone: () => 0,
    onSome: Duration.toMillis
  })
}

/** The controls of `MontaFakeService`: everything but `baseUrl` and `app`. @internal */
export type Controls = Omit<MontaFakeService, "baseUrl" | "app">

/** @internal */
export const makeControls = (state: State): Controls => ({
  addConsumer: (input) => Effect.sync(() => void state.consumers.set(input.clientId, toConsumer(input))),
  revokeConsumer: (clientId) =>
    Effect.sync(() => {
      const consumer = state.consumers.get(clientId)
      if (consumer === undefined) return
      consumer.revoked = true
      for (const pair of state.issued.get(clientId) ?? []) {
        const access = state.access.get(pair.accessToken)
        if (access !== undefined) access.revoked = true
        const refresh = state.refresh.get(pair.refreshToken)
        if (refresh !== undefined) refresh.revoked = true
      }
    }),
  restoreConsumer: (clientId) =>
    Effect.sync(() => {
      const consumer = state.consumers.get(clientId)
      if (consumer !== undefined) consumer.revoked = false
    }),
  revokeAccessToken: (token) =>
    Effect.sync(() => {
      const access = state.access.get(token)
      if (access !== undefined) access.revoked = true
    }),
  revokeRefreshToken: (token) =>
    Effect.sync(() => {
      const refresh = state.refresh.get(token)
      if (refresh !== undefined) refresh.revoked = true
    }),
  injectFault: (spec: FaultSpec) =>
    Effect.sync(() => {
      const times = spec.times ?? 1
      if (times > 0) state.faults.push({ path: normalizePath(spec.path), remaining: times, fault: spec.fault })
    }),
  clearFaults: Effect.sync(() => {
    state.faults = []
  }),
  setClockOffset: (offset) =>
    Effect.sync(() => {
      state.offsetMillis = durationMillis(offset)
    }),
  setTokenLifetimes: (lifetimes) =>
    Effect.sync(() => {
      if (lifetimes.access !== undefined) state.accessLifetimeMillis = Duration.toMillis(lifetimes.access)
      if (lifetimes.refresh !== undefined) state.refreshLifetimeMillis = Duration.toMillis(lifetimes.refresh)
    }),
  journal: Effect.sync(() => state.journal.slice()),
  counters: Effect.sync(() => ({ ...state.counters, byStatus: { ...state.counters.byStatus } })),
  tokensOf: (clientId) =>
    Effect.map(serverNow(state), (now) => {
      prune(state, clientId, now)
      return (state.issued.get(clientId) ?? []).slice()
    }),
  resetJournal: Effect.sync(() => {
    state.journal = []
    state.counters = emptyCounters()
  }),
  setAuthMe: (mode) =>
    Effect.sync(() => {
      state.authMe = mode
    }),
  setWebhook: (config) => Effect.sync(() => webhooks.setWebhook(state, config)),
  removeWebhook: (clientId) =>
    Effect.sync(() => {
      const id = clientId ?? state.consumers.keys().next().value
      if (id !== undefined) state.webhooks.subscriptions.delete(id)
    }),
  emitWebhook: (event) => webhooks.emit(state, event),
  webhookSecret: (clientId) =>
    Effect.suspend(() => {
      const consumer = state.consumers.get(clientId)
      return consumer === undefined
        ? Effect.fail(new Cause.NoSuchElementException(`MontaFake has no consumer ${clientId}`))
        : Effect.succeed(consumer.webhookSecret)
    }),
  webhookDeliveries: Effect.sync(() => webhooks.snapshot(state))
})
