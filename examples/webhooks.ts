/**
 * Webhooks end to end (`tsx examples/webhooks.ts`): a Node HTTP server serving
 * `MontaWebhook.handler`, and MontaFake on localhost delivering to it. A charge point created
 * through the fake's API arrives about 2 seconds later in a signed batch; a POST with a forged
 * signature is refused with 401 and never reaches the program.
 *
 * Against the real API, serve the same handler on an https URL and register it with
 * `PUT /webhooks/config` (the secret you give there is `MONTA_WEBHOOK_SECRET`).
 */
import { FetchHttpClient, HttpBody, HttpClient, HttpClientRequest, HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import { Console, Effect, Layer, Queue, Redacted, Schedule, Schema } from "effect"
import { createServer } from "node:http"
// In your project: import { MontaWebhook, type WebhookBatch } from "@monta-auth/webhooks"
import { MontaWebhook, type WebhookBatch } from "../packages/webhooks/src/index.js"

/** MontaFake on 127.0.0.1 (a free port) and a MontaHttpClient logged in as its demo consumer. */
const Monta = MontaHttpClient.layer().pipe(
  Layer.provideMerge(Layer.unwrapEffect(Effect.map(MontaFake, (fake) =>
    MontaAuth.layer({
      clientId: MontaFake.demoConsumer.clientId,
      clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
      baseUrl: fake.baseUrl
    })))),
  Layer.provideMerge(MontaFake.layerServer())
)

/** The receiving server: a second Node HTTP server on a free port. */
const Receiver = NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })

const ChargePoint = Schema.Struct({ id: Schema.Number, name: Schema.String })

const program = Effect.gen(function*() {
  const fake = yield* MontaFake
  const monta = yield* MontaHttpClient

  // 1. The handler, with the consumer's webhook secret (MontaFake's, here), on its own server.
  const secret = yield* fake.webhookSecret(MontaFake.demoConsumer.clientId)
  const batches = yield* Queue.unbounded<WebhookBatch>()
  yield* HttpServer.serveEffect(MontaWebhook.handler({ secret }, (batch) => Queue.offer(batches, batch)))
  const address = (yield* HttpServer.HttpServer).address
  const url = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}/monta/webhooks`
  yield* Console.log(`receiver   ${url}`)

  // 2. The webhook config Monta keeps per consumer: where to POST and which event types.
  yield* fake.setWebhook({ url, eventTypes: ["charge-points"] })

  // 3. A change through the API: the fake batches it, signs it and POSTs it.
  const created = yield* monta.post("/charge-points", { body: HttpBody.unsafeJson({ name: "Harbour depot" }) }).pipe(
    Effect.flatMap((response) => response.json),
    Effect.flatMap(Schema.decodeUnknown(ChargePoint))
  )
  yield* Console.log(`created    charge point ${created.id} "${created.name}" (POST /charge-points)`)

  const batch = yield* Queue.take(batches).pipe(Effect.timeout("10 seconds"))
  for (const entry of batch.entries) {
    yield* Console.log(`received   ${entry.entityType} ${entry.entityId} ${entry.eventType} (signature verified)`)
  }
  // The fake's journal of deliveries: the batch is completed once the handler answered 2xx.
  const delivery = yield* fake.webhookDeliveries.pipe(
    Effect.flatMap(([first]) => first?.status === "completed" ? Effect.succeed(first) : Effect.fail("pending")),
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.timeout("5 seconds")
  )
  const answered = delivery.attempts.map((attempt) => attempt.status).join(", ")
  yield* Console.log(`delivery   ${delivery.status} after ${delivery.attempts.length} attempt(s), answered ${answered}`)

  // 4. Anyone can POST to the URL: a body signed with another secret is refused before the program.
  const forged = JSON.stringify({ entries: batch.entries, pending: 0, timestamp: Date.now() })
  const refused = yield* HttpClient.execute(
    HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeader("X-Monta-Signature", MontaWebhook.sign(Redacted.make("not-the-secret-0123"), forged)),
      HttpClientRequest.bodyText(forged, "application/json")
    )
  ).pipe(Effect.provide(FetchHttpClient.layer))
  yield* Console.log(`forged     answered ${refused.status}; batches handed over: ${1 + (yield* Queue.size(batches))}`)
})

program.pipe(
  Effect.scoped,
  Effect.provide(Layer.merge(Monta, Receiver)),
  NodeRuntime.runMain
)
