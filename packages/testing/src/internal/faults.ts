import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { Fault } from "../MontaFake.js"
import { defaultErrorCode, errorBody, json, statusMessages } from "./responses.js"
import type { State } from "./state.js"

/**
 * Takes the first queued fault for `path` (or `"*"`), counting it down. Only `"*"` meets a path
 * outside `/api/v1`.
 *
 * @internal
 */
export const takeFault = (state: State, path: string, inApi: boolean): Fault | undefined => {
  const index = state.faults.findIndex((queued) =>
    queued.remaining > 0 && (queued.path === "*" || (inApi && queued.path === path))
  )
  if (index < 0) return undefined
  const queued = state.faults[index]!
  queued.remaining--
  if (queued.remaining <= 0) state.faults.splice(index, 1)
  return queued.fault
}

/** The answer a fault gives instead of the route's, if it replaces it. @internal */
export const faultResponse = (fault: Fault, path: string): HttpServerResponse.HttpServerResponse | undefined => {
  switch (fault._tag) {
    case "Status": {
      const body = fault.body !== undefined
        ? fault.body
        : errorBody(
          fault.status,
          defaultErrorCode(fault.status),
          statusMessages[fault.status] ?? `Status ${fault.status}`
        )
      let response = json(body, fault.status)
      if (fault.retryAfter !== undefined) {
        response = HttpServerResponse.setHeader(response, "Retry-After", String(fault.retryAfter))
      }
      if (fault.rateLimitResetsIn !== undefined) {
        response = HttpServerResponse.setHeaders(response, {
          "RateLimit-ResetsIn": String(fault.rateLimitResetsIn),
          "RateLimit-Remaining": "0"
        })
      }
      return response
    }
    case "MalformedBody":
      return HttpServerResponse.text("{\"accessToken\": \"4596d494-5f6c", {
        status: 200,
        contentType: "application/json"
      })
    case "EmptyBody":
      return HttpServerResponse.empty({ status: 200 })
    case "WrongShape":
      return json(
        path === "/auth/token" || path === "/auth/refresh"
          ? { accessToken: "00000000-0000-4000-8000-000000000000", expiresIn: 3600 }
          : path === "/auth/me" || path === "/consumers/me"
          ? { name: "Partner API Demo" }
          : { items: [] }
      )
    default:
      return undefined
  }
}
