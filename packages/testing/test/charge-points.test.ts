import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { MontaFake } from "../src/index.js"
import { assertMontaDate, login, send } from "./utils.js"

interface ChargePoint {
  readonly id: number
  readonly teamId: number
  readonly name: string
  readonly state: string
  readonly createdAt: string
  readonly updatedAt: string
  readonly disconnectedAt: string | null
  readonly protocolData: unknown
}

describe("charge points", () => {
  it.effect("§7: POST creates (201), GET reads, PATCH updates, DELETE removes (204, then 404)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const { accessToken: token } = yield* login()
      const created = yield* send("POST", "/charge-points", { token, json: { name: "Garage", teamId: 2 } })
      assert.strictEqual(created.status, 201)
      const point = created.body as ChargePoint
      assert.strictEqual(point.id, 251)
      assert.strictEqual(point.teamId, 2)
      assertMontaDate(point.createdAt, 1_700_000_000_000)
      assert.strictEqual(point.updatedAt, point.createdAt)
      assert.deepStrictEqual((yield* send("GET", "/charge-points/251", { token })).body, point)
      yield* TestClock.adjust("1 minute")
      const patched = yield* send("PATCH", "/charge-points/251", {
        token,
        json: { name: "Carport", state: "disconnected" }
      })
      assert.strictEqual(patched.status, 200)
      const { disconnectedAt, protocolData, updatedAt, ...rest } = patched.body as ChargePoint
      const { disconnectedAt: _d, protocolData: _p, updatedAt: _u, ...before } = point
      // The name and state as sent; what follows from the state (ChargePointState "disconnected") with it.
      assert.deepStrictEqual(rest, { ...before, name: "Carport", state: "disconnected" })
      assert.strictEqual(disconnectedAt, updatedAt)
      assert.deepStrictEqual(protocolData, { ocpp: { status: "offline", updatedAt } })
      assertMontaDate(updatedAt, 1_700_000_060_000)
      assert.notStrictEqual(updatedAt, point.updatedAt)
      const deleted = yield* send("DELETE", "/charge-points/251", { token })
      assert.strictEqual(deleted.status, 204)
      assert.strictEqual(deleted.text, "")
      const invalidState = yield* send("PATCH", "/charge-points/1", { token, json: { state: "offline" } })
      assert.strictEqual(invalidState.status, 400, "a state outside the provider's ChargePointState enum")
      assert.strictEqual((yield* send("GET", "/charge-points/251", { token })).status, 404)
      assert.strictEqual((yield* send("PATCH", "/charge-points/251", { token, json: { name: "x" } })).status, 404)
      assert.strictEqual((yield* send("DELETE", "/charge-points/251", { token })).status, 404)
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
