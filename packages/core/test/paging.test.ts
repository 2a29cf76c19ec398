import { assert, describe, it } from "@effect/vitest"
import { MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ChargePoint, clientOnFake, journalOf, Spy } from "./http-fixtures.js"

const pageRequests = Effect.map(Spy, (spy) =>
  spy.requests
    .filter((request) => request.url.endsWith("/charge-points") && request.method === "GET")
    .map((request) => Object.fromEntries(request.urlParams)))

describe("MontaHttpClient paging", () => {
  it.scoped("H6: paginate streams every item of GET /charge-points across pages, page by page", () =>
    Effect.gen(function*() {
      const items = yield* MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCollect)
      const ids = Chunk.toReadonlyArray(items).map((point) => point.id)
      assert.deepStrictEqual(ids, Array.from({ length: 250 }, (_, i) => i + 1))
      assert.deepStrictEqual(yield* pageRequests, [
        { page: "0", perPage: "100" },
        { page: "1", perPage: "100" },
        { page: "2", perPage: "100" }
      ])
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H6: pages are fetched only as the stream is pulled", () =>
    Effect.gen(function*() {
      const items = yield* MontaHttpClient.paginate("/charge-points", ChargePoint, { perPage: 20 }).pipe(
        Stream.take(25),
        Stream.runCollect
      )
      assert.strictEqual(Chunk.size(items), 25)
      assert.deepStrictEqual((yield* pageRequests).map((query) => query.page), ["0", "1"])
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H6: pages carries meta and stops after the last page; query parameters are kept", () =>
    Effect.gen(function*() {
      const pages = yield* MontaHttpClient.pages("/wallet-transactions", Schema.Struct({ id: Schema.Number }), {
        perPage: 100,
        query: { sort: "id" }
      }).pipe(Stream.runCollect)
      const metas = Chunk.toReadonlyArray(pages).map((page) => page.meta)
      assert.deepStrictEqual(metas.map((meta) => meta.currentPage), [0, 1, 2])
      assert.deepStrictEqual(metas.map((meta) => meta.itemCount), [100, 100, 100])
      assert.strictEqual(metas[0]!.totalItemCount, 300)
      const spy = yield* Spy
      const queries = spy.requests.filter((request) => request.url.endsWith("/wallet-transactions"))
      assert.isTrue(queries.every((request) => Object.fromEntries(request.urlParams).sort === "id"))
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H6: a team-restricted credential streams only what it sees", () =>
    Effect.gen(function*() {
      const items = yield* MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCollect)
      assert.strictEqual(Chunk.size(items), 125)
      assert.isTrue(Chunk.every(items, (point) => point.teamId === 1))
    }).pipe(Effect.provide(clientOnFake({ consumer: MontaFake.teamConsumer }))))

  it.scoped("H6: an empty list is an empty stream after one request", () =>
    Effect.gen(function*() {
      const items = yield* MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCollect)
      assert.strictEqual(Chunk.size(items), 0)
      assert.strictEqual((yield* journalOf("GET", "/charge-points")).length, 1)
    }).pipe(Effect.provide(clientOnFake({ fake: { seed: { chargePoints: 0 } } }))))

  it.scoped("H6: a page that fails transiently is retried; a page that fails for good fails the stream", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      yield* fake.injectFault({ path: "/charge-points", fault: Fault.Status({ status: 503 }) })
      const fiber = yield* Effect.fork(MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCount))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), 250)
      yield* fake.injectFault({ path: "/charge-points", fault: Fault.Status({ status: 403 }) })
      const error = yield* Effect.flip(MontaHttpClient.paginate("/charge-points", ChargePoint).pipe(Stream.runCount))
      assert.strictEqual(error._tag, "MontaApiError")
    }).pipe(Effect.provide(clientOnFake())))

  // The reference notes, "Paging": cursor operations (e.g. GET /afir/charge-points) take `after`
  // and `perPage`; `meta: {itemCount, perPage, after, before}`, `after` null on the last page.
  it.scoped("H6: a cursor-paged list (GET /afir/charge-points) is followed by after / meta.after to its end", () =>
    Effect.gen(function*() {
      const items = yield* MontaHttpClient.paginate("/afir/charge-points", ChargePoint, { perPage: 100 }).pipe(
        Stream.runCollect
      )
      assert.strictEqual(Chunk.size(items), 250)
      const ids = Chunk.toReadonlyArray(items).map((point) => point.id)
      assert.strictEqual(new Set(ids).size, 250)
      const spy = yield* Spy
      const queries = spy.requests
        .filter((request) => request.url.endsWith("/afir/charge-points"))
        .map((request) => Object.fromEntries(request.urlParams))
      assert.strictEqual(queries.length, 3)
      assert.isUndefined(queries[0]!.after)
      assert.isUndefined(queries[0]!.page, "no offset parameter on a cursor route")
      assert.isString(queries[1]!.after)
      assert.notStrictEqual(queries[2]!.after, queries[1]!.after)
    }).pipe(Effect.provide(clientOnFake())))

  it.scoped("H6: cursorPages gives the cursor pages with their meta; paginateWith works with a client in hand", () =>
    Effect.gen(function*() {
      const pages = yield* MontaHttpClient.cursorPages("/afir/charge-points", ChargePoint, { perPage: 100 }).pipe(
        Stream.runCollect
      )
      const metas = Chunk.toReadonlyArray(pages).map((page) => page.meta)
      assert.deepStrictEqual(metas.map((meta) => meta.itemCount), [100, 100, 50])
      assert.isNull(metas[2]!.after)
      const client = yield* MontaHttpClient
      const count = yield* MontaHttpClient.paginateWith(client, "/charge-points", ChargePoint).pipe(Stream.runCount)
      assert.strictEqual(count, 250)
    }).pipe(Effect.provide(clientOnFake())))
})
