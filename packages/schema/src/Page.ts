/**
 * The paged list envelope of the Monta Partner API: `{data, meta}` with `page` counted from 0.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The `meta` of a page.
 *
 * @since 0.1.0
 * @category schemas
 */
export class PageMeta extends Schema.Class<PageMeta>("@monta-auth/schema/PageMeta")({
  currentPage: Schema.Int.pipe(Schema.nonNegative()),
  perPage: Schema.Int.pipe(Schema.positive()),
  itemCount: Schema.Int.pipe(Schema.nonNegative()),
  totalPageCount: Schema.Int.pipe(Schema.nonNegative()),
  totalItemCount: Schema.Int.pipe(Schema.nonNegative())
}) {}

/**
 * A page of items of the given schema.
 *
 * @example
 * ```ts
 * import { Page } from "@monta-auth/schema"
 * import { Schema } from "effect"
 *
 * const ChargePoints = Page(Schema.Struct({ id: Schema.Number, name: Schema.String }))
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Page = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    data: Schema.Array(item),
    meta: PageMeta
  })

/**
 * The decoded type of `Page(item)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly meta: PageMeta
}

/**
 * The bounds of the `perPage` query parameter.
 *
 * @since 0.1.0
 * @category models
 */
export const perPageBounds = { min: 1, max: 100 } as const

/**
 * The `meta` of a cursor page (H6): `after` is the cursor of the next page, `null` on the last.
 * Some list operations page this way (for example `GET /auditlog/events`): query `after` /
 * `before` and `perPage`.
 *
 * @since 0.1.0
 * @category schemas
 */
export class CursorPageMeta extends Schema.Class<CursorPageMeta>("@monta-auth/schema/CursorPageMeta")({
  perPage: Schema.Int.pipe(Schema.positive()),
  itemCount: Schema.Int.pipe(Schema.nonNegative()),
  after: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  before: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}) {}

/**
 * A cursor page of items of the given schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CursorPage = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    data: Schema.Array(item),
    meta: CursorPageMeta
  })

/**
 * A decoded cursor page.
 *
 * @since 0.1.0
 * @category models
 */
export interface CursorPage<A> {
  readonly data: ReadonlyArray<A>
  readonly meta: CursorPageMeta
}
