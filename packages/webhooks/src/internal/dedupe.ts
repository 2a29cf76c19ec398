import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import type { WebhookDedupeService } from "../WebhookDedupe.js"

/**
 * JSON with the keys of every object sorted, so an entry re-sent with another key order or
 * spacing has the same bytes. (Written as loops over strings: it runs for every entry of every
 * delivery.)
 */
export const canonicalJson = (value: unknown): string => {
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null"
  if (Array.isArray(value)) {
    let out = "["
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i])
    return out + "]"
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort()
      break
    }
  }
  let out = "{"
  for (const key of keys) {
    const field = record[key]
    if (field === undefined) continue
    out += (out.length === 1 ? "" : ",") + JSON.stringify(key) + ":" + canonicalJson(field)
  }
  return out + "}"
}

/** The key of an entry: the SHA-256 (hex) of its canonical JSON, never the entry itself. */
export const digestOf = (entry: unknown): string => createHash("sha256").update(canonicalJson(entry)).digest("hex")

/**
 * The dedupe of one process: digest -> expiry (`Clock` millis), in the order claimed. Claims live
 * for their `ttl` (the handler passes the time the batch could still be accepted, so at most twice
 * the tolerance); each claim drops the expired ones from the front first, so the map holds only
 * what the tolerance window can still replay.
 */
export const makeMemory = (): WebhookDedupeService & { readonly size: Effect.Effect<number> } => {
  const claims = new Map<string, number>()
  const evict = (now: number) => {
    for (const [digest, expiresAt] of claims) {
      if (expiresAt > now) break
      claims.delete(digest)
    }
  }
  return {
    claim: (digests, ttl) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        evict(now)
        const expiresAt = now + Duration.toMillis(ttl)
        return digests.map((digest) => {
          const held = claims.get(digest)
          if (held !== undefined && held > now) return false
          claims.delete(digest)
          claims.set(digest, expiresAt)
          return true
        })
      }),
    release: (digests) =>
      Effect.sync(() => {
        for (const digest of digests) claims.delete(digest)
      }),
    size: Effect.sync(() => claims.size)
  }
}
