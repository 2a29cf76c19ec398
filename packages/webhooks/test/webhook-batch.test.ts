import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { WebhookBatch } from "../src/index.js"

const decode = Schema.decodeUnknownEither(WebhookBatch)

describe("WebhookBatch", () => {
  it.effect("W2: the documented envelope decodes, absent nullable entry fields become null", () =>
    Effect.sync(() => {
      const batch = Either.getOrThrow(decode({
        entries: [
          {
            entityType: "charge-point",
            entityId: "42",
            eventType: "updated",
            eventTime: "2024-01-18T10:00:00.123456789Z",
            payload: { id: 42, name: "Garage" }
          },
          { entityType: "charge", eventType: "created" }
        ],
        pending: 3,
        timestamp: 1_705_572_000_000
      }))
      assert.strictEqual(batch.entries.length, 2)
      assert.strictEqual(batch.pending, 3)
      assert.strictEqual(batch.timestamp, 1_705_572_000_000)
      assert.deepStrictEqual(batch.entries[0]!.payload, { id: 42, name: "Garage" })
      assert.deepStrictEqual(batch.entries[1], {
        entityType: "charge",
        entityId: null,
        eventType: "created",
        eventTime: null,
        payload: null
      })
    }))

  it.effect("W2: entity and event types the provider does not list decode as they are", () =>
    Effect.sync(() => {
      const batch = Either.getOrThrow(decode({
        entries: [{ entityType: "heat-pump", entityId: null, eventType: "exploded", eventTime: null, payload: null }],
        pending: 0,
        timestamp: 1
      }))
      assert.strictEqual(batch.entries[0]!.entityType, "heat-pump")
      assert.strictEqual(batch.entries[0]!.eventType, "exploded")
    }))

  it.effect("W2: an envelope without entries, pending or timestamp, or with a non-string type, does not decode", () =>
    Effect.sync(() => {
      assert.isTrue(Either.isLeft(decode({ pending: 0, timestamp: 1 })))
      assert.isTrue(Either.isLeft(decode({ entries: [], timestamp: 1 })))
      assert.isTrue(Either.isLeft(decode({ entries: [], pending: 0 })))
      assert.isTrue(Either.isLeft(decode({ entries: [], pending: 0.5, timestamp: 1 })))
      assert.isTrue(
        Either.isLeft(decode({ entries: [{ entityType: 1, eventType: "created" }], pending: 0, timestamp: 1 }))
      )
    }))
})
