import * as Effect from "effect/Effect"
import type { JournalEntry } from "../MontaFake.js"
import type { State } from "./state.js"

/** Journals an answered request (keeping the last `journalLimit`) and counts it. @internal */
export const record = (state: State, entry: JournalEntry, inApi: boolean) =>
  Effect.sync(() => {
    state.journal.push(entry)
    if (state.journal.length > state.journalLimit) {
      state.journal.splice(0, state.journal.length - state.journalLimit)
    }
    const counters = state.counters
    counters.requests++
    if (entry.status === 0) counters.dropped++
    else counters.byStatus[entry.status] = (counters.byStatus[entry.status] ?? 0) + 1
    if (entry.fault !== undefined) counters.faults++
    if (entry.status === 429) counters.status429++
    if (!inApi) {
      // Outside /api/v1: journaled with its full path, never taken for an auth request.
    } else if (entry.path === "/auth/token" && entry.method === "POST") {
      counters.tokenRequests++
      if (entry.status === 401) counters.rejectedCredentials++
    } else if (entry.path === "/auth/refresh" && entry.method === "POST") {
      counters.refreshRequests++
      if (entry.status === 401) counters.rejectedRefreshes++
    } else if (entry.status === 401) {
      counters.rejectedTokens++
    }
    if (inApi && entry.method === "GET" && (entry.path === "/auth/me" || entry.path === "/consumers/me")) {
      counters.meRequests++
      if (entry.path === "/auth/me") counters.authMeRequests++
    }
  })
