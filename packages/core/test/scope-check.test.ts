import { assert, describe, it } from "@effect/vitest"
import { MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { clientOnFake, journalOf } from "./http-fixtures.js"

// teamConsumer grants charge-points:read and wallet-transactions:read only.
describe("least privilege before sending (H7)", () => {
  it.scoped("H7: a write with a read-only credential fails locally with InsufficientScope; nothing sent", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const fake = yield* MontaFake
      const before = (yield* fake.counters).requests
      const error = yield* Effect.flip(client.post("/charge-points"))
      assert.strictEqual(error._tag, "InsufficientScope")
      if (error._tag !== "InsufficientScope") return
      assert.deepStrictEqual(error.required, ["charge-points:write"])
      assert.strictEqual(error.method, "POST")
      assert.strictEqual(error.path, "/charge-points")
      assert.include(error.message, "POST /charge-points")
      assert.strictEqual((yield* journalOf("POST", "/charge-points")).length, 0)
      // Only the consumer lookup (once) went out, no request to the resource.
      const after = yield* fake.counters
      assert.strictEqual(after.requests - before, after.meRequests + after.tokenRequests)
      // A read it may make goes out.
      const response = yield* client.get("/charge-points/1")
      assert.strictEqual(response.status, 200)
    }).pipe(Effect.provide(clientOnFake({ consumer: MontaFake.teamConsumer }))))

  it.scoped("H7: warn mode sends the request and logs the missing scope; the server decides (403)", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const client = yield* MontaHttpClient
      const error = yield* Effect.flip(client.post("/charge-points")).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => lines.push(String(message)))))
      )
      assert.strictEqual(error._tag, "MontaApiError")
      assert.strictEqual((yield* journalOf("POST", "/charge-points")).length, 1)
      assert.isTrue(lines.some((line) => line.includes("charge-points:write")))
    }).pipe(Effect.provide(clientOnFake({ consumer: MontaFake.teamConsumer, client: { scopeCheck: "warn" } }))))

  it.scoped("H7: an endpoint outside the table goes to the server, which decides", () =>
    Effect.gen(function*() {
      const client = yield* MontaHttpClient
      const error = yield* Effect.flip(client.get("/not-an-endpoint-of-the-table"))
      // The server's answer (sent, refused there), not a local InsufficientScope.
      assert.strictEqual(error._tag, "MontaApiError")
      assert.strictEqual((yield* journalOf("GET", "/not-an-endpoint-of-the-table")).length, 1)
    }).pipe(Effect.provide(clientOnFake({ consumer: MontaFake.teamConsumer }))))
})
