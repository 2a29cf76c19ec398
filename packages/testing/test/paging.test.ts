import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"
import { type ItemPage, login, send } from "./utils.js"

describe("paging", () => {
  it.effect("§1: page counts from 0, perPage defaults to 10, meta describes the page", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const first = (yield* send("GET", "/charge-points", { token })).body as ItemPage
      assert.deepStrictEqual(first.meta, {
        currentPage: 0,
        perPage: 10,
        itemCount: 10,
        totalPageCount: 25,
        totalItemCount: 250
      })
      assert.deepStrictEqual(first.data.map((item) => item.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      const third = (yield* send("GET", "/charge-points?page=2&perPage=100", { token })).body as ItemPage
      assert.deepStrictEqual(third.meta, {
        currentPage: 2,
        perPage: 100,
        itemCount: 50,
        totalPageCount: 3,
        totalItemCount: 250
      })
      assert.strictEqual(third.data[0]!.id, 201)
      const past = (yield* send("GET", "/wallet-transactions?page=3&perPage=100", { token })).body as ItemPage
      assert.strictEqual(past.data.length, 0)
      assert.strictEqual(past.meta.totalItemCount, 300)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§1: perPage 1 and 100 are accepted; 0, 101, -1, 1.5, abc and page=-1 are 400 BAD_REQUEST", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      for (const query of ["perPage=1", "perPage=100", "page=0", "page=24&perPage=10"]) {
        assert.strictEqual((yield* send("GET", `/charge-points?${query}`, { token })).status, 200, query)
      }
      for (
        const query of ["perPage=0", "perPage=101", "perPage=-1", "perPage=1.5", "perPage=abc", "page=-1", "page=x"]
      ) {
        const answer = yield* send("GET", `/charge-points?${query}`, { token })
        assert.strictEqual(answer.status, 400, query)
        assert.strictEqual((answer.body as { errorCode: string }).errorCode, "BAD_REQUEST", query)
      }
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: the seed sizes are configurable and deterministic", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const page = (yield* send("GET", "/charge-points?perPage=100", { token })).body as ItemPage
      assert.strictEqual(page.meta.totalItemCount, 7)
      const first = page.data[0] as unknown as Record<string, unknown>
      const picked = Object.fromEntries(
        ["id", "teamId", "name", "serialNumber", "state", "maxKw", "evseId", "createdAt", "updatedAt"].map((key) => [
          key,
          first[key]
        ])
      )
      assert.deepStrictEqual(picked, {
        id: 1,
        teamId: 1,
        name: "Charge point 1",
        serialNumber: "MONTA-000001",
        state: "available",
        maxKw: 11,
        evseId: "DK*MON*E000001",
        createdAt: "2024-01-01T00:00:00.000279250Z",
        updatedAt: "2024-01-01T00:00:00.000279250Z"
      })
      assert.strictEqual((first["operator"] as { readonly id: number }).id, 42)
      const again = yield* Effect.provide(
        Effect.flatMap(login(), ({ accessToken }) => send("GET", "/charge-points?perPage=100", { token: accessToken })),
        MontaFake.layerTest({ seed: { chargePoints: 7, walletTransactions: 0 } })
      )
      assert.deepStrictEqual((again.body as ItemPage).data, page.data, "a second fake seeds the same items")
      const wallet = (yield* send("GET", "/wallet-transactions", { token })).body as ItemPage
      assert.strictEqual(wallet.meta.totalItemCount, 0)
    }).pipe(Effect.provide(MontaFake.layerTest({ seed: { chargePoints: 7, walletTransactions: 0 } }))))
})
