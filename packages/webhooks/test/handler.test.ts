import * as HttpApp from "@effect/platform/HttpApp"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { MontaWebhook, WebhookDedupeError } from "../src/index.js"
import type { WebhookBatch } from "../src/index.js"
import { batchBody, entry, post, secret, webHandler } from "./support.js"

const now = 1_705_572_000_000

/** A handler on the test's runtime whose `onBatch` records each batch it is handed. */
const recording = (options: Partial<Parameters<typeof MontaWebhook.handler>[0]> = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now)
    const handed = yield* Ref.make<ReadonlyArray<WebhookBatch>>([])
    const handle = yield* webHandler(
      MontaWebhook.handler({ secret, ...options }, (batch) => Ref.update(handed, (all) => [...all, batch]))
    )
    return { handle, handed: Ref.get(handed) }
  })

const chunked = (text: string, chunk: number) => {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk))
      controller.close()
    }
  })
}

describe("MontaWebhook.handler", () => {
  it.effect("W4: a signed batch is handed to onBatch and answered 200", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      const response = yield* handle(post(batchBody(now, [entry("1"), entry("2")])))
      assert.strictEqual(response.status, 200)
      const batches = yield* handed
      assert.strictEqual(batches.length, 1)
      assert.deepStrictEqual(batches[0]!.entries.map((e) => e.entityId), ["1", "2"])
    }))

  it.effect("W4: no signature is 401 with an empty body; onBatch never sees it", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      const response = yield* handle(post(batchBody(now), { signature: null }))
      assert.strictEqual(response.status, 401)
      assert.strictEqual(yield* Effect.promise(() => response.text()), "")
      assert.strictEqual((yield* handed).length, 0)
    }))

  it.effect("W4: a bad signature is 401 with an empty body; onBatch never sees it", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      for (const signature of ["sha1=" + "0".repeat(40), "sha1=nothex", MontaWebhook.sign(secret, "other")]) {
        const response = yield* handle(post(batchBody(now), { signature }))
        assert.strictEqual(response.status, 401, signature)
        assert.strictEqual(yield* Effect.promise(() => response.text()), "")
      }
      assert.strictEqual((yield* handed).length, 0)
    }))

  it.effect("W3, W4: a stale batch is 401; onBatch never sees it", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      const behind = yield* handle(post(batchBody(now - 6 * 60_000)))
      const ahead = yield* handle(post(batchBody(now + 6 * 60_000)))
      assert.strictEqual(behind.status, 401)
      assert.strictEqual(ahead.status, 401)
      assert.strictEqual((yield* handed).length, 0)
    }))

  it.effect("W4: a signed body that is not a batch is 400 with an empty body", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      for (const body of ["{", JSON.stringify({ entries: "none", pending: 0, timestamp: now })]) {
        const response = yield* handle(post(body))
        assert.strictEqual(response.status, 400, body)
        assert.strictEqual(yield* Effect.promise(() => response.text()), "")
      }
      assert.strictEqual((yield* handed).length, 0)
    }))

  it.effect("W4: a Content-Length over the cap is 413 before any byte is read", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording({ maxBodyBytes: 1000 })
      let pulled = false
      const body = new ReadableStream<Uint8Array>({
        pull() {
          pulled = true
          throw new Error("the body must not be read")
        }
      }, { highWaterMark: 0 })
      const request = new Request("http://localhost/", {
        method: "POST",
        headers: { "content-length": "1001", "x-monta-signature": "sha1=" + "0".repeat(40) },
        body,
        duplex: "half"
      } as RequestInit)
      const response = yield* handle(request)
      assert.strictEqual(response.status, 413)
      assert.isFalse(pulled)
      assert.strictEqual((yield* handed).length, 0)
    }))

  it.effect("W4: a body without Content-Length that passes the cap is 413 (the bytes are counted)", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording({ maxBodyBytes: 4096 })
      const text = batchBody(now, Array.from({ length: 60 }, (_, i) => entry(String(i))))
      assert.isAbove(text.length, 4096)
      const request = new Request("http://localhost/", {
        method: "POST",
        headers: { "x-monta-signature": MontaWebhook.sign(secret, text) },
        body: chunked(text, 1000),
        duplex: "half"
      } as RequestInit)
      assert.strictEqual((yield* handle(request)).status, 413)
      // The same body in chunks under the cap is read whole and verifies.
      const small = batchBody(now, [entry("1"), entry("2")])
      const ok = new Request("http://localhost/", {
        method: "POST",
        headers: { "x-monta-signature": MontaWebhook.sign(secret, small) },
        body: chunked(small, 7),
        duplex: "half"
      } as RequestInit)
      assert.strictEqual((yield* handle(ok)).status, 200)
      assert.strictEqual((yield* handed).length, 1)
    }))

  it.effect("W4: the default cap is 1 MiB", () =>
    Effect.gen(function*() {
      const { handle } = yield* recording()
      const body = batchBody(now, [{ ...entry("1"), payload: { blob: "x".repeat(1024 * 1024) } }])
      assert.strictEqual((yield* handle(post(body))).status, 413)
      assert.strictEqual(MontaWebhook.defaultMaxBodyBytes, 1024 * 1024)
    }))

  it.effect("W4: a method other than POST is 405", () =>
    Effect.gen(function*() {
      const { handle } = yield* recording()
      const response = yield* handle(new Request("http://localhost/", { method: "GET" }))
      assert.strictEqual(response.status, 405)
      assert.strictEqual(response.headers.get("allow"), "POST")
    }))

  it.effect("W4: onBatch failing is 500 (so Monta retries), and the retry hands the same entries over again", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const calls = yield* Ref.make<ReadonlyArray<ReadonlyArray<string | null>>>([])
      const failFirst = yield* Ref.make(true)
      const handle = yield* webHandler(MontaWebhook.handler({ secret }, (batch) =>
        Effect.gen(function*() {
          yield* Ref.update(calls, (all) => [...all, batch.entries.map((e) => e.entityId)])
          if (yield* Ref.getAndSet(failFirst, false)) return yield* Effect.fail("database down")
        })))
      const body = batchBody(now, [entry("1"), entry("2")])
      assert.strictEqual((yield* handle(post(body))).status, 500)
      assert.strictEqual((yield* handle(post(body))).status, 200)
      assert.deepStrictEqual(yield* Ref.get(calls), [["1", "2"], ["1", "2"]])
      // Handled now: the next redelivery is acknowledged without onBatch.
      assert.strictEqual((yield* handle(post(body))).status, 200)
      assert.strictEqual((yield* Ref.get(calls)).length, 2)
    }))

  it.effect("W4: a defect in onBatch is 500 too, and the entries are handed over again", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const calls = yield* Ref.make(0)
      const handle = yield* webHandler(MontaWebhook.handler({ secret }, () =>
        Effect.flatMap(
          Ref.updateAndGet(calls, (n) => n + 1),
          (n) => n === 1 ? Effect.die("bug") : Effect.void
        )))
      const body = batchBody(now)
      assert.strictEqual((yield* handle(post(body))).status, 500)
      assert.strictEqual((yield* handle(post(body))).status, 200)
      assert.strictEqual(yield* Ref.get(calls), 2)
    }))

  it.effect("W3: a redelivery is answered 200 and its entries are not handed over again", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      assert.strictEqual((yield* handle(post(batchBody(now, [entry("1"), entry("2")])))).status, 200)
      // Monta sends again a minute later: a new timestamp, the same entries.
      yield* TestClock.adjust("1 minute")
      const again = yield* handle(post(batchBody(now + 60_000, [entry("1"), entry("2")])))
      assert.strictEqual(again.status, 200)
      assert.strictEqual((yield* handed).length, 1)
    }))

  it.effect("W3: a batch mixing handed-over and new entries hands over only the new ones", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      yield* handle(post(batchBody(now, [entry("1"), entry("2")])))
      // The same entry with its keys in another order is the same entry.
      const { entityId, entityType, eventTime, eventType, payload } = entry("2")
      const reordered = { payload: { name: payload.name, id: payload.id }, eventTime, eventType, entityId, entityType }
      assert.strictEqual((yield* handle(post(batchBody(now + 1, [reordered, entry("3")])))).status, 200)
      const batches = yield* handed
      assert.strictEqual(batches.length, 2)
      assert.deepStrictEqual(batches[1]!.entries.map((e) => e.entityId), ["3"])
    }))

  it.effect("W3: two different events of one entity are two entries", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording()
      yield* handle(post(batchBody(now, [entry("1", "created")])))
      yield* handle(post(batchBody(now + 1, [entry("1", "updated")])))
      assert.strictEqual((yield* handed).length, 2)
    }))

  it.effect("W3: the memory dedupe forgets an entry once the tolerance has passed (bounded memory)", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording({ tolerance: "1 minute" })
      yield* handle(post(batchBody(now, [entry("1")])))
      yield* TestClock.adjust("30 seconds")
      yield* handle(post(batchBody(now + 30_000, [entry("1")])))
      assert.strictEqual((yield* handed).length, 1, "within the tolerance: handed over once")
      yield* TestClock.adjust("61 seconds")
      yield* handle(post(batchBody(now + 91_000, [entry("1")])))
      assert.strictEqual((yield* handed).length, 2, "past the tolerance the claim is gone")
    }))

  it.effect("W3: dedupe: false hands every verified batch over whole", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording({ dedupe: false })
      yield* handle(post(batchBody(now, [entry("1")])))
      yield* handle(post(batchBody(now, [entry("1")])))
      assert.strictEqual((yield* handed).length, 2)
    }))

  it.effect("W3: a dedupe store that fails is 503 and nothing is handed over", () =>
    Effect.gen(function*() {
      const { handed, handle } = yield* recording({
        dedupe: {
          claim: () => Effect.fail(new WebhookDedupeError({ operation: "claim", detail: "Redis unavailable" })),
          release: () => Effect.void
        }
      })
      assert.strictEqual((yield* handle(post(batchBody(now)))).status, 503)
      assert.strictEqual((yield* handed).length, 0)
    }))

  it.live("W4: HttpApp.toWebHandler(handler(...)) works as it is (default runtime, live clock)", () =>
    Effect.gen(function*() {
      const handed: Array<WebhookBatch> = []
      const handler = HttpApp.toWebHandler(
        MontaWebhook.handler({ secret }, (batch) => Effect.sync(() => handed.push(batch)))
      )
      const body = batchBody(Date.now(), [entry("9")])
      const first = yield* Effect.promise(() => handler(post(body)))
      const second = yield* Effect.promise(() => handler(post(body)))
      const unsigned = yield* Effect.promise(() => handler(post(body, { signature: null })))
      assert.deepStrictEqual([first.status, second.status, unsigned.status], [200, 200, 401])
      assert.strictEqual(handed.length, 1)
      assert.strictEqual(handed[0]!.entries[0]!.entityId, "9")
    }))
})
