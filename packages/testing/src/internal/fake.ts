import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { JournalEntry, MontaFakeOptions, MontaFakeService, MontaFakeWebhookClient } from "../MontaFake.js"
import { makeControls } from "./controls.js"
import { faultResponse, takeFault } from "./faults.js"
import { record } from "./journal.js"
import type { RequestInfo } from "./request.js"
import { apiPrefix, CurrentRequest, memoryBaseUrl, pathOf } from "./request.js"
import { makeRouted } from "./router.js"
import type { State } from "./state.js"
import { makeState, serverNow } from "./state.js"
import { deliver, deliveryClient } from "./webhooks.js"

/** What the fake does with a request: answer it, or drop the connection. @internal */
export type Outcome =
  | { readonly _tag: "Response"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Drop" }

/** The service plus the outcome-level handler the in-memory client uses. @internal */
export interface FakeInternal extends MontaFakeService {
  readonly handle: Effect.Effect<Outcome, never, HttpServerRequest.HttpServerRequest>
}

/** @internal */
export const internalHandle = (service: MontaFakeService): FakeInternal["handle"] | undefined =>
  "handle" in service ? (service as FakeInternal).handle : undefined

/**
 * A request from arrival to answer: a queued fault first (delay, drop, or an answer in place of
 * the route's), then the routes, a `Date` header on the server's clock, and the journal.
 */
const makeHandle = (state: State): FakeInternal["handle"] => {
  const routed = makeRouted(state)
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const at = yield* Clock.currentTimeMillis
    const fullPath = pathOf(request.url)
    const path = fullPath === apiPrefix
      ? "/"
      : fullPath.startsWith(apiPrefix + "/")
      ? fullPath.slice(apiPrefix.length)
      : fullPath
    const inApi = fullPath === apiPrefix || fullPath.startsWith(apiPrefix + "/")
    const fault = yield* Effect.sync(() => takeFault(state, path, inApi))
    const entry = (status: number, clientId: string | undefined): JournalEntry => ({
      method: request.method,
      path,
      status,
      at,
      ...(clientId !== undefined ? { clientId } : {}),
      ...(fault !== undefined ? { fault: fault._tag } : {})
    })
    if (fault?._tag === "Delay") yield* Effect.sleep(fault.duration)
    if (fault?._tag === "Drop") {
      yield* record(state, entry(0, undefined), inApi)
      return { _tag: "Drop" } as const
    }
    const injected = fault === undefined ? undefined : faultResponse(fault, path)
    const info: RequestInfo = {
      now: yield* serverNow(state),
      expiredToken: fault?._tag === "ExpiredToken",
      clientId: undefined
    }
    const response = injected ?? (yield* Effect.provideService(routed, CurrentRequest, info))
    const date = DateTime.toDateUtc(DateTime.unsafeMake(yield* serverNow(state))).toUTCString()
    const dated = HttpServerResponse.setHeader(response, "Date", date)
    yield* record(state, entry(dated.status, info.clientId), inApi)
    return { _tag: "Response", response: dated } as const
  })
}

const destroySocket = (source: unknown) => {
  if (typeof source === "object" && source !== null && "socket" in source) {
    const socket = (source as { socket?: { destroy?: () => void } }).socket
    socket?.destroy?.()
  }
}

/** The service and the state behind it. */
const makeWithState = (options: MontaFakeOptions | undefined, baseUrl: string) =>
  Effect.sync(() => {
    const state = makeState(options)
    const handle = makeHandle(state)
    const app: MontaFakeService["app"] = Effect.flatMap(handle, (outcome) => {
      if (outcome._tag === "Response") return Effect.succeed(outcome.response)
      return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        destroySocket(request.source)
        return Effect.interrupt
      })
    })
    const service: FakeInternal = { baseUrl, app, handle, ...makeControls(state) }
    return { service, state }
  })

/** The service alone: its webhooks are queued but nobody delivers them. @internal */
export const make = (
  options?: MontaFakeOptions,
  baseUrl: string = memoryBaseUrl
): Effect.Effect<MontaFakeService> => Effect.map(makeWithState(options, baseUrl), ({ service }) => service)

/**
 * The service with its webhook delivery fiber forked into the scope, delivering through the
 * client of `webhookClient` (the public tag, passed in so this module imports it as a type only).
 *
 * @internal
 */
export const makeScoped = (
  webhookClient: Context.Tag<MontaFakeWebhookClient, HttpClient.HttpClient>,
  options?: MontaFakeOptions,
  baseUrl: string = memoryBaseUrl
): Effect.Effect<MontaFakeService, never, Scope.Scope | MontaFakeWebhookClient> =>
  Effect.gen(function*() {
    const { service, state } = yield* makeWithState(options, baseUrl)
    const client = yield* webhookClient
    yield* Effect.forkScoped(deliver(state, deliveryClient(client)))
    return service
  })
