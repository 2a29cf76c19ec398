import type * as HttpClient from "@effect/platform/HttpClient"
import * as UrlParams from "@effect/platform/UrlParams"
import { CursorPageMeta, endpointFor, type Page, PageMeta, perPageBounds } from "@monta-auth/schema"
import type { CursorPage } from "@monta-auth/schema"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { MontaHttpClientError, PaginateOptions } from "../MontaHttpClient.js"

/** Where the next page is: an offset page number, or a cursor (none for the first cursor page). */
type Next =
  | { readonly kind: "offset"; readonly page: number }
  | { readonly kind: "cursor"; readonly after: string | undefined }

/**
 * H6: the pages of a list endpoint, fetched as the stream is pulled. Offset pages (`page`,
 * `meta.currentPage`/`totalPageCount`) and cursor pages (`after`, `meta.after`) alike: the
 * provider's table says which an endpoint uses, and a page's `meta` says so when the table does
 * not know the path.
 *
 * @internal
 */
export const pages = <A, I, R>(
  client: HttpClient.HttpClient.With<MontaHttpClientError>,
  path: string,
  item: Schema.Schema<A, I, R>,
  options?: PaginateOptions | undefined,
  only?: "offset" | "cursor"
): Stream.Stream<Page<A> | CursorPage<A>, MontaHttpClientError | ParseResult.ParseError, R> => {
  const perPage = Math.min(perPageBounds.max, Math.max(perPageBounds.min, Math.floor(options?.perPage ?? 100)))
  const decode = Schema.decodeUnknown(Schema.Struct({
    data: Schema.Array(item),
    meta: only === "offset" ? PageMeta : only === "cursor" ? CursorPageMeta : Schema.Union(PageMeta, CursorPageMeta)
  }))
  const query = UrlParams.fromInput(options?.query ?? [])
  const first: Next = (only ?? endpointFor("GET", path.split("?")[0] ?? path)?.paging) === "cursor"
    ? { kind: "cursor", after: undefined }
    : { kind: "offset", page: 0 }
  const paramsOf = (next: Next) =>
    next.kind === "offset"
      ? { page: String(next.page), perPage: String(perPage) }
      : next.after === undefined
      ? { perPage: String(perPage) }
      : { after: next.after, perPage: String(perPage) }
  return Stream.paginateEffect(
    first,
    (next: Next) =>
      client.get(path, { urlParams: UrlParams.setAll(query, paramsOf(next)) }).pipe(
        Effect.flatMap((response) => response.json),
        Effect.flatMap(decode),
        Effect.map((result): readonly [Page<A> | CursorPage<A>, Option.Option<Next>] => {
          const meta = result.meta
          if (meta instanceof CursorPageMeta) {
            const after = meta.after
            const last = result.data.length === 0 || after === null || (next.kind === "cursor" && after === next.after)
            return [{ data: result.data, meta }, last ? Option.none() : Option.some({ kind: "cursor", after })]
          }
          const last = result.data.length === 0 || meta.currentPage + 1 >= meta.totalPageCount
          return [
            { data: result.data, meta },
            last ? Option.none() : Option.some({ kind: "offset", page: meta.currentPage + 1 })
          ]
        })
      )
  )
}

/** @internal */
export const items = <A, I, R>(
  client: HttpClient.HttpClient.With<MontaHttpClientError>,
  path: string,
  item: Schema.Schema<A, I, R>,
  options?: PaginateOptions | undefined
): Stream.Stream<A, MontaHttpClientError | ParseResult.ParseError, R> =>
  Stream.mapConcatChunk(pages(client, path, item, options), (page) => Chunk.unsafeFromArray(page.data as Array<A>))

/** The offset pages only (their `meta` decoded as `PageMeta`). @internal */
export const offsetPages = <A, I, R>(
  client: HttpClient.HttpClient.With<MontaHttpClientError>,
  path: string,
  item: Schema.Schema<A, I, R>,
  options?: PaginateOptions | undefined
) =>
  pages(client, path, item, options, "offset") as Stream.Stream<
    Page<A>,
    MontaHttpClientError | ParseResult.ParseError,
    R
  >

/** The cursor pages only (their `meta` decoded as `CursorPageMeta`). @internal */
export const cursorPages = <A, I, R>(
  client: HttpClient.HttpClient.With<MontaHttpClientError>,
  path: string,
  item: Schema.Schema<A, I, R>,
  options?: PaginateOptions | undefined
) =>
  pages(client, path, item, options, "cursor") as Stream.Stream<
    CursorPage<A>,
    MontaHttpClientError | ParseResult.ParseError,
    R
  >
