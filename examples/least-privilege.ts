/**
 * Least privilege per request (SPEC section 12): two credentials in one program, a read-only one
 * for dashboards and one that may start charges, on MontaFake served on localhost.
 * `MontaHttpClient.layerCredentials()` sends every request with the least-privileged credential
 * whose scopes grant the endpoint's required scope (the provider's own table), and refuses locally
 * a request that no credential may make.
 *
 *     pnpm exec tsx examples/least-privilege.ts
 */
import { HttpBody } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { MontaCredentials, MontaHttpClient } from "@monta-auth/core"
import { type ConsumerInput, MontaFake } from "@monta-auth/testing"
import { Console, Effect, Layer, Redacted } from "effect"

// Two custom apps of the same operator, as created in the Monta portal: each with the scopes it needs.
const dashboards: ConsumerInput = {
  clientId: "dashboards-client-id",
  clientSecret: "dashboards-client-secret",
  scopes: ["charge-points:read"]
}
const charging: ConsumerInput = {
  clientId: "charging-client-id",
  clientSecret: "charging-client-secret",
  scopes: ["charge-points:read", "charge-points:write"]
}

const credentialOf = (consumer: ConsumerInput) => ({
  clientId: consumer.clientId,
  clientSecret: Redacted.make(consumer.clientSecret)
})

const Fake = MontaFake.layerServer({ consumers: [dashboards, charging], seed: { chargePoints: 3 } })

const Credentials = Layer.unwrapEffect(Effect.map(MontaFake, (fake) =>
  MontaCredentials.layer({
    credentials: { reader: credentialOf(dashboards), writer: credentialOf(charging) },
    baseUrl: fake.baseUrl
  })))

const program = Effect.gen(function*() {
  const client = yield* MontaHttpClient
  const fake = yield* MontaFake

  // A read: both credentials may, the reader holds fewer grants.
  yield* client.get("/charge-points/1")
  // A write: only the writer may.
  const created = yield* client.post("/charge-points", { body: HttpBody.unsafeJson({ name: "Harbour depot" }) })
  // A request no credential may make: refused here, nothing sent.
  const refused = yield* Effect.flip(client.get("/wallet-transactions"))

  const sentBy = (method: string, path: string) =>
    Effect.map(
      fake.journal,
      (entries) =>
        entries.filter((entry) => entry.method === method && entry.path === path).map((entry) => entry.clientId)
    )
  yield* Console.log(`read   GET /charge-points/1 sent by ${(yield* sentBy("GET", "/charge-points/1")).join(", ")}`)
  yield* Console.log(
    `write  POST /charge-points sent by ${
      (yield* sentBy("POST", "/charge-points")).join(", ")
    } (HTTP ${created.status})`
  )
  yield* Console.log(
    `refused locally: ${refused.message} (requests sent: ${(yield* sentBy("GET", "/wallet-transactions")).length})`
  )
  const credentials = yield* MontaCredentials
  const tokens = yield* Effect.forEach(
    ["reader", "writer"],
    (name) => Effect.flatMap(credentials.get(name), (auth) => auth.accessToken)
  )
  yield* Console.log(
    `two tokens: ${Redacted.value(tokens[0]!) === Redacted.value(tokens[1]!) ? "the same (wrong)" : "different"}`
  )
})

program.pipe(
  Effect.provide(
    MontaHttpClient.layerCredentials().pipe(Layer.provideMerge(Credentials), Layer.provideMerge(Fake))
  ),
  NodeRuntime.runMain
)
