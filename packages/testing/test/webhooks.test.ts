/**
 * SPEC section 7 and W5 (issue 15 item 3): MontaFake signs and delivers batches of webhook
 * entries to the URL a test gives, on the Effect `Clock`, with the documented envelope
 * (monta-partner-api-notes.md, "Webhooks": `{entries, pending, timestamp}`, compact JSON,
 * `X-Monta-Signature: sha1=<hex HMAC-SHA1>`, batched about every 2 s, retried every 60 s for 24 h).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { createHmac } from "node:crypto"
import type { MontaFakeOptions } from "../src/index.js"
import { MontaFake, MontaFakeWebhookClient } from "../src/index.js"
import { login, send } from "./utils.js"

/** A POST the fake made, as the receiver got it. */
interface Received {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

/** A webhook client that records every request and answers the next of `statuses` (the last one repeats). */
const recording = (statuses: ReadonlyArray<number>) => {
  const received: Array<Received> = []
  const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url) =>
    Effect.sync(() => {
      const body = request.body._tag === "Uint8Array" ? request.body.body : new Uint8Array()
      received.push({ url: url.toString(), headers: request.headers, body })
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!
      return HttpClientResponse.fromWeb(request, new Response(null, { status }))
    })
  )
  return { received, layer: MontaFakeWebhookClient.layer(client) }
}

const url = "https://hooks.example.test/monta"

const fakeWith = (statuses: ReadonlyArray<number>, options: MontaFakeOptions = { webhook: { url } }) => {
  const receiver = recording(statuses)
  return {
    received: receiver.received,
    layer: MontaFake.layerTestWithoutWebhookClient({ seed: { chargePoints: 4, walletTransactions: 0 }, ...options })
      .pipe(Layer.provide(receiver.layer))
  }
}

const hmac = (secret: string, body: Uint8Array) => `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`

interface Envelope {
  readonly entries: ReadonlyArray<{
    readonly entityType: string
    readonly entityId: string | null
    readonly eventType: string
    readonly eventTime: string | null
    readonly payload: { readonly id?: number; readonly name?: string } | null
  }>
  readonly pending: number
  readonly timestamp: number
}

const decoder = new TextDecoder()
const envelopeOf = (received: Received): Envelope => JSON.parse(decoder.decode(received.body)) as Envelope

const createPoint = (token: string, name: string, teamId = 1) =>
  Effect.map(send("POST", "/charge-points", { token, json: { name, teamId } }), (answer) => {
    assert.strictEqual(answer.status, 201)
    return answer.body as { readonly id: number }
  })

describe("MontaFake delivers webhooks (W5)", () => {
  it.effect("W5: a charge point created through the API arrives 2 s later, signed over the exact bytes", () => {
    const { layer, received } = fakeWith([204])
    return Effect.gen(function*() {
      const fake = yield* MontaFake
      const { accessToken } = yield* login()
      const created = yield* createPoint(accessToken, "Depot 1")
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(received.length, 0, "batched, not sent at once")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(received.length, 1)
      const post = received[0]!
      assert.strictEqual(post.url, url)
      assert.strictEqual(post.headers["content-type"], "application/json")
      const secret = yield* fake.webhookSecret(MontaFake.demoConsumer.clientId)
      assert.strictEqual(Redacted.value(secret), "demo-webhook-secret")
      assert.strictEqual(post.headers["x-monta-signature"], hmac("demo-webhook-secret", post.body))
      const text = decoder.decode(post.body)
      assert.strictEqual(text, JSON.stringify(JSON.parse(text)), "compact JSON")
      const envelope = envelopeOf(post)
      assert.deepStrictEqual(Object.keys(envelope), ["entries", "pending", "timestamp"])
      assert.strictEqual(envelope.timestamp, 2000)
      assert.strictEqual(envelope.pending, 0)
      assert.strictEqual(envelope.entries.length, 1)
      const [entry] = envelope.entries
      assert.deepStrictEqual(Object.keys(entry!), ["entityType", "entityId", "eventType", "eventTime", "payload"])
      assert.strictEqual(entry!.entityType, "charge-point")
      assert.strictEqual(entry!.entityId, String(created.id))
      assert.strictEqual(entry!.eventType, "created")
      assert.match(entry!.eventTime!, /^1970-01-01T00:00:00\.000\d{6}Z$/)
      assert.deepStrictEqual(entry!.payload, created)
      const [delivery] = yield* fake.webhookDeliveries
      assert.strictEqual(delivery!.status, "completed")
      assert.strictEqual(delivery!.attempts.length, 1)
      assert.strictEqual(delivery!.attempts[0]!.body, text)
      assert.strictEqual(delivery!.attempts[0]!.status, 204)
    }).pipe(Effect.provide(layer))
  })

  it.effect("W5: creating, updating and deleting within the interval is one batch, in order", () => {
    const { layer, received } = fakeWith([200])
    return Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const created = yield* createPoint(token, "Depot 2")
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(
        (yield* send("PATCH", `/charge-points/${created.id}`, { token, json: { name: "Depot 2b" } })).status,
        200
      )
      yield* TestClock.adjust("500 millis")
      assert.strictEqual((yield* send("DELETE", `/charge-points/${created.id}`, { token })).status, 204)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(received.length, 1)
      const envelope = envelopeOf(received[0]!)
      assert.deepStrictEqual(envelope.entries.map((entry) => entry.eventType), ["created", "updated", "deleted"])
      assert.deepStrictEqual(envelope.entries.map((entry) => entry.entityId), Array(3).fill(String(created.id)))
      assert.strictEqual(envelope.entries[1]!.payload!.name, "Depot 2b")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(received.length, 1, "nothing more to send")
    }).pipe(Effect.provide(layer))
  })

  it.effect("W5: an unanswered batch is sent again every 60 s, newly stamped and signed, until a 2xx", () => {
    const { layer, received } = fakeWith([503, 500, 202])
    return Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.emitWebhook({ entityType: "charge", entityId: "7", eventType: "updated", payload: { id: 7 } })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(received.length, 1)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(received.length, 1, "no retry before 60 s")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(received.length, 2)
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual(received.length, 3)
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(received.length, 3, "acknowledged: no more attempts")
      const envelopes = received.map(envelopeOf)
      assert.deepStrictEqual(envelopes.map((envelope) => envelope.timestamp), [2_000, 62_000, 122_000])
      assert.deepStrictEqual(envelopes[2]!.entries, envelopes[0]!.entries, "the same entries each time")
      for (const post of received) {
        assert.strictEqual(post.headers["x-monta-signature"], hmac("demo-webhook-secret", post.body))
      }
      const [delivery] = yield* fake.webhookDeliveries
      assert.strictEqual(delivery!.status, "completed")
      assert.deepStrictEqual(delivery!.attempts.map((attempt) => attempt.status), [503, 500, 202])
    }).pipe(Effect.provide(layer))
  })

  it.effect("W5: a batch never answered 2xx is given up after 24 h (failed), its last attempt within them", () => {
    const { layer, received } = fakeWith([500])
    return Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.emitWebhook({ entityType: "site", entityId: "3", eventType: "deleted" })
      yield* TestClock.adjust("2 seconds")
      yield* TestClock.adjust("23 hours")
      assert.strictEqual((yield* fake.webhookDeliveries)[0]!.status, "pending")
      yield* TestClock.adjust("2 hours")
      const [delivery] = yield* fake.webhookDeliveries
      assert.strictEqual(delivery!.status, "failed")
      const times = delivery!.attempts.map((attempt) => attempt.at)
      assert.strictEqual(times.length, received.length)
      assert.isAtLeast(times.length, 24 * 60)
      assert.isAtMost(times[times.length - 1]! - times[0]!, 24 * 3_600_000)
      assert.isTrue(times.every((at, i) => i === 0 || at - times[i - 1]! === 60_000), "every 60 s")
      const count = received.length
      yield* TestClock.adjust("24 hours")
      assert.strictEqual(received.length, count, "no attempt after giving up")
    }).pipe(Effect.provide(layer))
  })

  it.effect("W5: event types and teams select the consumer; each consumer's batch is signed with its secret", () => {
    const { layer, received } = fakeWith([200], {
      webhook: [
        { url: "https://hooks.example.test/demo", eventTypes: ["charge-points"] },
        { url: "https://hooks.example.test/team", eventTypes: ["charges", "charge-points"], clientId: "team-client-id" }
      ]
    })
    return Effect.gen(function*() {
      const fake = yield* MontaFake
      const { accessToken } = yield* login()
      yield* createPoint(accessToken, "Team 2 depot", 2) // the team consumer does not see team 2
      yield* fake.emitWebhook({ entityType: "charge", entityId: "1", eventType: "created", teamId: 1 })
      yield* TestClock.adjust("2 seconds")
      const byUrl = new Map(received.map((post) => [post.url, post]))
      assert.strictEqual(received.length, 2)
      const demo = envelopeOf(byUrl.get("https://hooks.example.test/demo")!)
      assert.deepStrictEqual(demo.entries.map((entry) => entry.entityType), ["charge-point"])
      const teamPost = byUrl.get("https://hooks.example.test/team")!
      assert.deepStrictEqual(envelopeOf(teamPost).entries.map((entry) => entry.entityType), ["charge"])
      assert.strictEqual(teamPost.headers["x-monta-signature"], hmac("team-webhook-secret", teamPost.body))
      yield* fake.removeWebhook("team-client-id")
      yield* fake.emitWebhook({ entityType: "charge", entityId: "2", eventType: "created" })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(received.length, 2, "no webhook, no delivery")
    }).pipe(Effect.provide(layer))
  })

  it.effect("W5: a webhook set later, a secret of the test's choice, and batches capped with pending", () => {
    const { layer, received } = fakeWith([200], {
      consumers: [{ ...MontaFake.demoConsumer, webhookSecret: "top-secret" }],
      webhookTiming: { maxBatchSize: 2 }
    })
    return Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.emitWebhook({ entityType: "charge", eventType: "created" })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(received.length, 0, "no webhook configured yet")
      yield* fake.setWebhook({ url })
      for (let i = 1; i <= 3; i++) {
        yield* fake.emitWebhook({ entityType: "charge", entityId: String(i), eventType: "created" })
      }
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(received.length, 2)
      const envelopes = received.map(envelopeOf)
      assert.deepStrictEqual(envelopes.map((envelope) => envelope.entries.length).sort(), [1, 2])
      assert.strictEqual(envelopes.find((envelope) => envelope.entries.length === 2)!.pending, 1)
      for (const post of received) assert.strictEqual(post.headers["x-monta-signature"], hmac("top-secret", post.body))
    }).pipe(Effect.provide(layer))
  })
})
