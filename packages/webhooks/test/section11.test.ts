/**
 * SPEC section 11, the webhook row (the other rows are in `packages/core/test/section11.test.ts`):
 * "a webhook with a bad, missing or stale signature, or replayed | refused with a typed reason;
 * the handler never sees it; a replay is handed over once".
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import { MontaWebhook, type WebhookBatch } from "../src/index.js"
import { batchBody, entry, post, secret, secretText, webHandler } from "./support.js"

const now = 1_705_572_000_000

describe("SPEC section 11: reliability matrix (webhooks)", () => {
  it.effect(
    "a webhook with a bad, missing or stale signature, or replayed: refused with a typed reason; the handler never sees it; a replay is handed over once",
    () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(now)
        const body = batchBody(now, [entry("1"), entry("2")])
        const stale = batchBody(now - 6 * 60_000)
        // The typed reasons, from verify; no rendering of the error shows the secret.
        const cases = [
          { reason: "BadSignature", body, signature: `sha1=${"0".repeat(40)}` },
          { reason: "BadSignature", body, signature: MontaWebhook.sign(secret, "another body") },
          { reason: "MissingSignature", body, signature: undefined },
          { reason: "Stale", body: stale, signature: MontaWebhook.sign(secret, stale) }
        ] as const
        for (const { body, reason, signature } of cases) {
          const error = yield* Effect.flip(MontaWebhook.verify({ secret, body, signature }))
          assert.strictEqual(error._tag, "InvalidWebhook")
          assert.strictEqual(error.reason, reason)
          for (const text of [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 10 })]) {
            assert.notInclude(text, secretText)
          }
        }
        // The handler: refused deliveries never reach onBatch; a replayed one is handed over once.
        const handed = yield* Ref.make<ReadonlyArray<WebhookBatch>>([])
        const handle = yield* webHandler(
          MontaWebhook.handler({ secret }, (batch) => Ref.update(handed, (all) => [...all, batch]))
        )
        const refused = [
          post(body, { signature: `sha1=${"0".repeat(40)}` }),
          post(body, { signature: null }),
          post(stale)
        ]
        for (const request of refused) assert.strictEqual((yield* handle(request)).status, 401)
        assert.strictEqual((yield* Ref.get(handed)).length, 0, "the handler never sees a refused delivery")
        assert.strictEqual((yield* handle(post(body))).status, 200)
        // The same delivery again (a replay), then a redelivery a minute later: answered, not handed over.
        assert.strictEqual((yield* handle(post(body))).status, 200)
        yield* TestClock.adjust("1 minute")
        assert.strictEqual((yield* handle(post(batchBody(now + 60_000, [entry("1"), entry("2")])))).status, 200)
        const batches = yield* Ref.get(handed)
        assert.strictEqual(batches.length, 1, "handed over once")
        assert.deepStrictEqual(batches[0]!.entries.map((e) => e.entityId), ["1", "2"])
      })
  )
})
