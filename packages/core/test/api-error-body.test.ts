import { assert, describe, it } from "@effect/vitest"
import { MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import { clientOnFake } from "./http-fixtures.js"

describe("MontaApiError keeps the provider's error body (H4)", () => {
  it.scoped("H4: readableMessage is kept and preferred in the message; status names decode", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const client = yield* MontaHttpClient
      // Shaped as the OpenAPI 404 example (monta-partner-api-notes.md, "Error bodies").
      yield* fake.injectFault({
        path: "/charge-points/7",
        fault: Fault.Status({
          status: 404,
          body: {
            status: "NOT_FOUND",
            errorCode: "RESOURCE_NOT_FOUND",
            message: "Charge point not found",
            readableMessage: "We could not find that charge point",
            context: "chargePointId=7"
          }
        })
      })
      const error = yield* Effect.flip(client.get("/charge-points/7"))
      assert.strictEqual(error._tag, "MontaApiError")
      if (error._tag !== "MontaApiError") return
      assert.strictEqual(error.status, 404)
      assert.strictEqual(error.errorCode, "RESOURCE_NOT_FOUND")
      assert.strictEqual(error.serverMessage, "Charge point not found")
      assert.strictEqual(error.readableMessage, "We could not find that charge point")
      assert.include(error.message, "We could not find that charge point")
    }).pipe(Effect.provide(clientOnFake())))
})
