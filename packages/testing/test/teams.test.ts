import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

interface Item {
  readonly id: number
  readonly teamId: number
}
interface ItemPage {
  readonly data: ReadonlyArray<Item>
  readonly meta: { readonly totalItemCount: number }
}

describe("teams", () => {
  it.effect("§1: a consumer without teamIds sees both seeded teams", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const page = (yield* send("GET", "/charge-points?perPage=100", { token })).body as ItemPage
      assert.strictEqual(page.meta.totalItemCount, 250)
      assert.deepStrictEqual([...new Set(page.data.map((item) => item.teamId))].sort(), [1, 2])
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: a consumer with teamIds [1] lists only team 1's charge points and wallet transactions", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(MontaFake.teamConsumer)
      const points = (yield* send("GET", "/charge-points?perPage=100", { token })).body as ItemPage
      assert.strictEqual(points.meta.totalItemCount, 125)
      assert.isTrue(points.data.every((item) => item.teamId === 1))
      const wallet = (yield* send("GET", "/wallet-transactions?perPage=100", { token })).body as ItemPage
      assert.strictEqual(wallet.meta.totalItemCount, 150)
      assert.isTrue(wallet.data.every((item) => item.teamId === 1))
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: another team's item by id is 403 ACCESS_FORBIDDEN; an unknown id is 404", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(MontaFake.teamConsumer)
      assert.strictEqual((yield* send("GET", "/charge-points/1", { token })).status, 200)
      const other = yield* send("GET", "/charge-points/2", { token })
      assert.strictEqual(other.status, 403)
      assert.strictEqual((other.body as { errorCode: string }).errorCode, "ACCESS_FORBIDDEN")
      const missing = yield* send("GET", "/charge-points/99999", { token })
      assert.strictEqual(missing.status, 404)
      assert.strictEqual((missing.body as { errorCode: string }).errorCode, "RESOURCE_NOT_FOUND")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: a team consumer cannot create in another team", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.addConsumer({
        clientId: "team-writer",
        clientSecret: "s",
        teamIds: [1],
        scopes: ["charge-points:write"]
      })
      const { accessToken: token } = yield* login({ clientId: "team-writer", clientSecret: "s" })
      assert.strictEqual((yield* send("POST", "/charge-points", { token, json: { name: "x", teamId: 2 } })).status, 403)
      const created = yield* send("POST", "/charge-points", { token, json: { name: "x" } })
      assert.strictEqual(created.status, 201)
      assert.strictEqual((created.body as Item).teamId, 1)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: a team consumer with write and delete scope cannot PATCH or DELETE another team's item (403)", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.addConsumer({
        clientId: "team-deleter",
        clientSecret: "s",
        teamIds: [1],
        scopes: ["charge-points:delete"]
      })
      const { accessToken: admin } = yield* login()
      const before = (yield* send("GET", "/charge-points/2", { token: admin })).body as Item
      assert.strictEqual(before.teamId, 2)
      const { accessToken: token } = yield* login({ clientId: "team-deleter", clientSecret: "s" })
      const patched = yield* send("PATCH", "/charge-points/2", {
        token,
        json: { name: "Taken over", state: "disconnected" }
      })
      assert.strictEqual(patched.status, 403)
      assert.deepStrictEqual(patched.body, {
        status: "FORBIDDEN",
        message: "No access to charge point 2",
        errorCode: "ACCESS_FORBIDDEN"
      })
      const deleted = yield* send("DELETE", "/charge-points/2", { token })
      assert.strictEqual(deleted.status, 403)
      assert.strictEqual((deleted.body as { errorCode: string }).errorCode, "ACCESS_FORBIDDEN")
      assert.deepStrictEqual((yield* send("GET", "/charge-points/2", { token: admin })).body, before)
      assert.strictEqual(
        ((yield* send("GET", "/charge-points?perPage=100", { token: admin })).body as ItemPage).meta.totalItemCount,
        250
      )
      // the same consumer may patch and delete in its own team
      assert.strictEqual((yield* send("PATCH", "/charge-points/1", { token, json: { name: "Mine" } })).status, 200)
      assert.strictEqual((yield* send("DELETE", "/charge-points/1", { token })).status, 204)
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
