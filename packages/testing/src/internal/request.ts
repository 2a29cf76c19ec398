import * as Context from "effect/Context"

/** @internal */
export const apiPrefix = "/api/v1"

/** @internal */
export const memoryBaseUrl = `http://monta.fake${apiPrefix}`

/**
 * What the fake knows about the request being answered.
 *
 * @internal
 */
export interface RequestInfo {
  /** The server's now (the `Clock` plus the offset) when the request arrived. */
  readonly now: number
  /** An `ExpiredToken` fault applies to this request. */
  readonly expiredToken: boolean
  /** The consumer the request turned out to belong to, for the journal. */
  clientId: string | undefined
}

/** @internal */
export class CurrentRequest
  extends Context.Tag("@monta-auth/testing/internal/CurrentRequest")<CurrentRequest, RequestInfo>()
{}

/** The path of a URL (absolute or not) without its query or fragment. @internal */
export const pathOf = (url: string) => {
  const query = url.search(/[?#]/)
  const path = query < 0 ? url : url.slice(0, query)
  return path.startsWith("http://") || path.startsWith("https://") ? new URL(path).pathname : path
}

/** A fault's path relative to `/api/v1`, with a leading and no trailing slash. @internal */
export const normalizePath = (path: string) => {
  if (path === "*") return path
  const bare = pathOf(path)
  const relative = bare.startsWith(apiPrefix + "/") ? bare.slice(apiPrefix.length) : bare
  const slashed = relative.startsWith("/") ? relative : `/${relative}`
  return slashed.length > 1 && slashed.endsWith("/") ? slashed.slice(0, -1) : slashed
}
