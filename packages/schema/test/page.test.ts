/**
 * SPEC section 1 "Lists are paged: query `page` (from 0) and `perPage` (1..100); response
 * `{data: [...], meta: {currentPage, perPage, itemCount, totalPageCount, totalItemCount}}`" /
 * issue 2 "the paged list envelope `Page(item)`".
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Page, PageMeta } from "../src/index.js"

const ChargePoint = Schema.Struct({ id: Schema.Number, name: Schema.String })
const ChargePoints = Page(ChargePoint)
const decode = Schema.decodeUnknownEither(ChargePoints)

const meta = { currentPage: 0, perPage: 10, itemCount: 2, totalPageCount: 1, totalItemCount: 2 }
const envelope = { data: [{ id: 1, name: "Garage" }, { id: 2, name: "Street" }], meta }

describe("Page(item) (SPEC 1 paging, issue 2)", () => {
  it("SPEC 1: decodes the {data, meta} envelope with its items", () => {
    const page: Page<typeof ChargePoint.Type> = Either.getOrThrow(decode(envelope))
    assert.deepStrictEqual(page.data, envelope.data)
    assert.instanceOf(page.meta, PageMeta)
    assert.deepStrictEqual({ ...page.meta }, meta)
  })

  it("SPEC 1: an empty last page decodes", () => {
    const empty = {
      data: [],
      meta: { currentPage: 3, perPage: 100, itemCount: 0, totalPageCount: 3, totalItemCount: 250 }
    }
    assert.deepStrictEqual(Either.getOrThrow(decode(empty)).data, [])
  })

  it("SPEC 1: pages count from 0, so a negative currentPage is rejected", () => {
    const result = decode({ ...envelope, meta: { ...meta, currentPage: -1 } })
    if (Either.isRight(result)) assert.fail("a negative currentPage should not decode")
    assert.include(result.left.message, `["currentPage"]`)
    assert.include(result.left.message, "Expected a non-negative number, actual -1")
  })

  it("SPEC 1: a bad item, a fractional count or a missing meta field is rejected", () => {
    assert.isTrue(Either.isLeft(decode({ ...envelope, data: [{ id: "1", name: "Garage" }] })))
    assert.isTrue(Either.isLeft(decode({ ...envelope, meta: { ...meta, itemCount: 1.5 } })))
    assert.isTrue(Either.isLeft(decode({ ...envelope, meta: { ...meta, perPage: 0 } })))
    const { totalItemCount: _, ...partial } = meta
    assert.isTrue(Either.isLeft(decode({ ...envelope, meta: partial })))
    assert.isTrue(Either.isLeft(decode({ meta })))
  })
})
