/**
 * SPEC section 7 (issue 12 item 8): one cursor-paged route, `GET /afir/charge-points` (cursor
 * paging in the provider's endpoint table). monta-partner-api-notes.md, "Paging": query `after` /
 * `before`, `perPage`; `meta: {itemCount, perPage, after, before}`, `after` (nullable) the cursor
 * of the next page.
 */
import { assert, describe, it } from "@effect/vitest"
import { endpointFor } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

interface CursorPage {
  readonly data: ReadonlyArray<{ readonly id: number; readonly teamId: number }>
  readonly meta: {
    readonly itemCount: number
    readonly perPage: number
    readonly after: string | null
    readonly before: string | null
  }
}

const layer = MontaFake.layerTest({ seed: { chargePoints: 25, walletTransactions: 0 } })

describe("cursor paging", () => {
  it("the table says /afir/charge-points pages by cursor", () => {
    assert.strictEqual(endpointFor("GET", "/afir/charge-points")?.paging, "cursor")
  })

  it.effect("§7: following meta.after visits every item once, in order, until after is null", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const first = (yield* send("GET", "/afir/charge-points?perPage=10", { token })).body as CursorPage
      assert.deepStrictEqual(Object.keys(first.meta), ["itemCount", "perPage", "after", "before"])
      assert.strictEqual(first.meta.before, null)
      const seen: Array<number> = [...first.data.map((item) => item.id)]
      let after = first.meta.after
      let pages = 1
      while (after !== null) {
        const page =
          (yield* send("GET", `/afir/charge-points?perPage=10&after=${encodeURIComponent(after)}`, { token }))
            .body as CursorPage
        assert.isString(page.meta.before)
        assert.strictEqual(page.meta.itemCount, page.data.length)
        seen.push(...page.data.map((item) => item.id))
        after = page.meta.after
        pages++
      }
      assert.strictEqual(pages, 3)
      assert.deepStrictEqual(seen, Array.from({ length: 25 }, (_, i) => i + 1))
    }).pipe(Effect.provide(layer)))

  it.effect("§7: before goes back a page; a team consumer pages its team only; a bad cursor is 400", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      const first = (yield* send("GET", "/afir/charge-points?perPage=5", { token })).body as CursorPage
      const second = (yield* send("GET", `/afir/charge-points?perPage=5&after=${first.meta.after}`, { token }))
        .body as CursorPage
      assert.deepStrictEqual(second.data.map((item) => item.id), [6, 7, 8, 9, 10])
      const back = (yield* send("GET", `/afir/charge-points?perPage=5&before=${second.meta.before}`, { token }))
        .body as CursorPage
      assert.deepStrictEqual(back.data, first.data)
      const team = yield* login(MontaFake.teamConsumer)
      const teamPage = (yield* send("GET", "/afir/charge-points?perPage=100", { token: team.accessToken }))
        .body as CursorPage
      assert.strictEqual(teamPage.data.length, 13)
      assert.isTrue(teamPage.data.every((item) => item.teamId === 1))
      assert.strictEqual(teamPage.meta.after, null)
      for (const query of ["after=not-a-cursor", "after=x&before=y", "perPage=101"]) {
        const answer = yield* send("GET", `/afir/charge-points?${query}`, { token })
        assert.strictEqual(answer.status, 400, query)
        assert.strictEqual((answer.body as { readonly status: string }).status, "BAD_REQUEST")
      }
    }).pipe(Effect.provide(layer)))
})
