import type * as HttpMethod from "@effect/platform/HttpMethod"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { authMeHandler, bearer, consumerHandler } from "./bearer.js"
import type { CurrentRequest } from "./request.js"
import { apiPrefix, pathOf } from "./request.js"
import {
  createChargePoint,
  cursorPaged,
  deleteChargePoint,
  getChargePoint,
  paged,
  patchChargePoint
} from "./resources.js"
import { errorResponse } from "./responses.js"
import type { State } from "./state.js"
import { refreshHandler, tokenHandler } from "./tokens.js"

type Handler = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  | CurrentRequest
  | HttpServerRequest.HttpServerRequest
  | HttpServerRequest.ParsedSearchParams
  | HttpRouter.RouteContext
>

const chargePoints = (state: State) => () => Array.from(state.chargePoints.values())

/** The routes; `bearer` checks the scope the provider's endpoint table requires for each. */
const routes = (state: State): ReadonlyArray<readonly [HttpMethod.HttpMethod, HttpRouter.PathInput, Handler]> => [
  ["POST", "/auth/token", tokenHandler(state)],
  ["POST", "/auth/refresh", refreshHandler(state)],
  ["GET", "/consumers/me", consumerHandler(state)],
  ["GET", "/auth/me", authMeHandler(state)],
  ["GET", "/charge-points", bearer(state, paged(chargePoints(state)))],
  ["POST", "/charge-points", bearer(state, createChargePoint(state))],
  ["GET", "/charge-points/:id", bearer(state, getChargePoint(state))],
  ["PATCH", "/charge-points/:id", bearer(state, patchChargePoint(state))],
  ["DELETE", "/charge-points/:id", bearer(state, deleteChargePoint(state))],
  ["GET", "/afir/charge-points", bearer(state, cursorPaged(chargePoints(state)))],
  ["GET", "/wallet-transactions", bearer(state, paged(() => state.walletTransactions))]
]

/**
 * The fake's routes under `/api/v1`: a path that exists with other methods is 405 with `Allow`,
 * an unknown path 404, and a defect 500.
 *
 * @internal
 */
export const makeRouted = (
  state: State
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  CurrentRequest | HttpServerRequest.HttpServerRequest
> => {
  const table = routes(state)
  const router = HttpRouter.fromIterable(
    table.map(([method, path, handler]) => HttpRouter.makeRoute(method, path, handler))
  ).pipe(HttpRouter.prefixAll(apiPrefix))

  /** The methods each route path answers, HEAD with GET as the router does. */
  const allowed = new Map<HttpRouter.PathInput, Array<string>>()
  for (const [method, path] of table) {
    const methods = allowed.get(path) ?? []
    methods.push(...(method === "GET" ? ["GET", "HEAD"] : [method]))
    allowed.set(path, methods)
  }

  /**
   * Every route path for any method, matched by the router itself (trailing slashes, case), so a
   * path that exists with other methods is 405 with `Allow` and only an unknown path is 404.
   */
  const methodNotAllowed = HttpRouter.fromIterable(
    Array.from(allowed, ([path, methods]) =>
      HttpRouter.makeRoute(
        "*",
        path,
        Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
          errorResponse(405, "METHOD_NOT_ALLOWED", `Request method '${request.method}' is not supported`).pipe(
            HttpServerResponse.setHeader("Allow", methods.join(", "))
          ))
      ))
  ).pipe(HttpRouter.prefixAll(apiPrefix))

  return router.pipe(
    Effect.catchTag("RouteNotFound", () => methodNotAllowed),
    Effect.catchTag("RouteNotFound", () =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        return errorResponse(404, "RESOURCE_NOT_FOUND", `No route for ${request.method} ${pathOf(request.url)}`)
      })),
    Effect.catchAllCause(() => Effect.succeed(errorResponse(500, "INTERNAL_SERVER_ERROR", "Internal server error")))
  )
}
