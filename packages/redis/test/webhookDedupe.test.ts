import * as HttpApp from "@effect/platform/HttpApp"
import { assert, describe, it } from "@effect/vitest"
import { MontaWebhook, WebhookDedupe } from "@monta-auth/webhooks"
import type { WebhookBatch } from "@monta-auth/webhooks"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { RedisWebhookDedupe } from "../src/index.js"
import { adminRedis, redisUrl, uniquePrefix } from "./support/fleet.js"
import { freePort } from "./support/redis-server.js"

const secret = Redacted.make("fleet-webhook-secret-0123")
const now = 1_705_572_000_000

const entry = (entityId: string) => ({
  entityType: "charge-point",
  entityId,
  eventType: "updated",
  eventTime: "2024-01-18T10:00:00.000Z",
  payload: { id: Number(entityId), serialNumber: `SN-${entityId}` }
})

const delivery = (entries: ReadonlyArray<unknown>, timestamp = now) => {
  const body = JSON.stringify({ entries, pending: 0, timestamp })
  return () =>
    new Request("http://localhost/webhooks", {
      method: "POST",
      headers: { "x-monta-signature": MontaWebhook.sign(secret, body) },
      body
    })
}

/** An instance of the program: its own Redis connection and its own handler, on the test's runtime. */
const instance = (keyPrefix: string, handed: Ref.Ref<ReadonlyArray<string>>, fail: Ref.Ref<boolean>) =>
  Effect.gen(function*() {
    const dedupe = yield* RedisWebhookDedupe.make({ url: redisUrl(), keyPrefix })
    const app = MontaWebhook.handler(
      { secret, dedupe },
      (batch: WebhookBatch) =>
        Effect.flatMap(Ref.getAndSet(fail, false), (failing) =>
          failing
            ? Effect.fail("downstream down")
            : Ref.update(handed, (all) => [...all, ...batch.entries.map((e) => e.entityId ?? "")]))
    )
    const handler = HttpApp.toWebHandlerRuntime(yield* Effect.runtime<never>())(app)
    return (request: Request) => Effect.promise(() => handler(request)).pipe(Effect.map((response) => response.status))
  })

describe("RedisWebhookDedupe", () => {
  it.scoped("W3: a digest is claimed once across instances (SET NX PX), with the ttl asked, keyed by digest only", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const a = yield* RedisWebhookDedupe.make({ url: redisUrl(), keyPrefix })
      const b = yield* RedisWebhookDedupe.make({ url: redisUrl(), keyPrefix })
      const digests = [WebhookDedupe.digest(entry("1")), WebhookDedupe.digest(entry("2"))]
      assert.deepStrictEqual(yield* a.claim(digests, Duration.minutes(5)), [true, true])
      assert.deepStrictEqual(yield* b.claim([...digests, WebhookDedupe.digest(entry("3"))], Duration.minutes(5)), [
        false,
        false,
        true
      ])
      assert.deepStrictEqual(
        yield* a.claim([WebhookDedupe.digest(entry("4")), WebhookDedupe.digest(entry("4"))], Duration.minutes(5)),
        [true, false]
      )
      const redis = yield* adminRedis()
      const keys = yield* Effect.promise(() => redis.keys(`${keyPrefix}*`))
      assert.strictEqual(keys.length, 4)
      for (const key of keys) {
        assert.match(key, new RegExp(`^${keyPrefix}webhook:[0-9a-f]{64}$`))
        assert.notInclude(key, "SN-")
      }
      const pttl = yield* Effect.promise(() => redis.pttl(RedisWebhookDedupe.key(digests[0]!, keyPrefix)))
      assert.isTrue(pttl > 290_000 && pttl <= 300_000, String(pttl))
    }))

  it.scoped("W3: a released claim can be claimed again", () =>
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      const store = yield* RedisWebhookDedupe.make({ url: redisUrl(), keyPrefix })
      const digest = WebhookDedupe.digest(entry("9"))
      assert.deepStrictEqual(yield* store.claim([digest], Duration.minutes(1)), [true])
      yield* store.release([digest])
      assert.deepStrictEqual(yield* store.claim([digest], Duration.minutes(1)), [true])
    }))

  it.scoped("W3: two instances behind one Redis hand a redelivered entry over once for the fleet", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const keyPrefix = uniquePrefix()
      const handed = yield* Ref.make<ReadonlyArray<string>>([])
      const fail = yield* Ref.make(false)
      const first = yield* instance(keyPrefix, handed, fail)
      const second = yield* instance(keyPrefix, handed, fail)
      const request = delivery([entry("1"), entry("2")])
      assert.strictEqual(yield* first(request()), 200)
      assert.strictEqual(yield* second(request()), 200)
      assert.strictEqual(yield* second(delivery([entry("2"), entry("3")], now + 1000)()), 200)
      assert.deepStrictEqual(yield* Ref.get(handed), ["1", "2", "3"])
    }))

  it.scoped("W3, W4: when onBatch fails on one instance, Monta's retry to another hands the entries over", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const keyPrefix = uniquePrefix()
      const handed = yield* Ref.make<ReadonlyArray<string>>([])
      const fail = yield* Ref.make(true)
      const first = yield* instance(keyPrefix, handed, fail)
      const second = yield* instance(keyPrefix, handed, fail)
      const request = delivery([entry("5")])
      assert.strictEqual(yield* first(request()), 500)
      assert.strictEqual(yield* second(request()), 200)
      assert.deepStrictEqual(yield* Ref.get(handed), ["5"])
    }))

  it.scoped(
    "F5: with Redis down, onUnavailable \"memory\" dedupes in this instance; \"fail\" is a WebhookDedupeError",
    () =>
      Effect.gen(function*() {
        const port = yield* Effect.promise(freePort)
        const url = `redis://127.0.0.1:${port}`
        const timeouts = { connectTimeout: "200 millis", commandTimeout: "200 millis" } as const
        const memory = yield* RedisWebhookDedupe.make({ url, ...timeouts })
        const digest = WebhookDedupe.digest(entry("7"))
        assert.deepStrictEqual(yield* memory.claim([digest], Duration.minutes(1)), [true])
        assert.deepStrictEqual(yield* memory.claim([digest], Duration.minutes(1)), [false])
        yield* memory.release([digest])
        assert.deepStrictEqual(yield* memory.claim([digest], Duration.minutes(1)), [true])
        const failing = yield* RedisWebhookDedupe.make({ url, ...timeouts, onUnavailable: "fail" })
        const error = yield* Effect.flip(failing.claim([digest], Duration.minutes(1)))
        assert.strictEqual(error._tag, "WebhookDedupeError")
        assert.strictEqual(error.operation, "claim")
      }),
    { timeout: 20_000 }
  )
})
