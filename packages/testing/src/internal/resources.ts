import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { perPageBounds } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { CurrentRequest } from "./request.js"
import { badRequest, describeParseError, errorResponse, json, readJsonBody } from "./responses.js"
import type { ChargePoint } from "./seed.js"
import { isoAt } from "./seed.js"
import type { Consumer, State } from "./state.js"
import { enqueue } from "./webhooks.js"

/** Queues the webhook entry of a change to a charge point, `eventTime` its server time. */
const chargePointEvent = (
  state: State,
  eventType: "created" | "updated" | "deleted",
  point: ChargePoint,
  now: number
) =>
  enqueue(state, {
    entityType: "charge-point",
    entityId: String(point.id),
    eventType,
    eventTime: isoAt(now, `webhook:charge-point:${point.id}:${eventType}:${now}`),
    payload: point
  }, { teamId: point.teamId })

const decodeCreateBody = Schema.decodeUnknownEither(Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  teamId: Schema.optional(Schema.Int),
  serialNumber: Schema.optional(Schema.String),
  maxKw: Schema.optional(Schema.Number.pipe(Schema.positive()))
}))
const decodePatchBody = Schema.decodeUnknownEither(Schema.Struct({
  name: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  state: Schema.optionalWith(Schema.Literal("available", "busy", "offline"), { exact: true }),
  maxKw: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { exact: true })
}))

const sees = (consumer: Consumer, teamId: number) => consumer.teamIds.length === 0 || consumer.teamIds.includes(teamId)

const parseIndex = (value: string | undefined, name: string, min: number, max: number, fallback: number) => {
  if (value === undefined) return Either.right(fallback)
  if (!/^\d{1,9}$/.test(value)) {
    return Either.left(`Query parameter ${name} must be an integer, got ${JSON.stringify(value)}`)
  }
  const n = Number(value)
  return n < min || n > max
    ? Either.left(`Query parameter ${name} must be between ${min} and ${max}, got ${n}`)
    : Either.right(n)
}

/** A page (`page`, `perPage`) of the items the consumer's teams see. @internal */
export const paged = <A extends { readonly teamId: number }>(items: () => ReadonlyArray<A>) => (consumer: Consumer) =>
  Effect.gen(function*() {
    const query = yield* HttpServerRequest.ParsedSearchParams
    const single = (name: string) => {
      const value = query[name]
      return Array.isArray(value) ? value[0] : value as string | undefined
    }
    const page = parseIndex(single("page"), "page", 0, 999_999_999, 0)
    if (Either.isLeft(page)) return badRequest(page.left)
    const perPage = parseIndex(single("perPage"), "perPage", perPageBounds.min, perPageBounds.max, 10)
    if (Either.isLeft(perPage)) return badRequest(perPage.left)
    const visible = items().filter((item) => sees(consumer, item.teamId))
    const data = visible.slice(page.right * perPage.right, (page.right + 1) * perPage.right)
    return json({
      data,
      meta: {
        currentPage: page.right,
        perPage: perPage.right,
        itemCount: data.length,
        totalPageCount: Math.ceil(visible.length / perPage.right),
        totalItemCount: visible.length
      }
    })
  })

/** Runs `f` with the charge point of the `:id` path parameter, if it exists and the consumer sees it. */
const withChargePoint = <R>(
  state: State,
  consumer: Consumer,
  f: (point: ChargePoint) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    const raw = params["id"] ?? ""
    if (!/^\d{1,15}$/.test(raw)) {
      return badRequest(`Path parameter id must be an integer, got ${JSON.stringify(raw)}`)
    }
    const point = state.chargePoints.get(Number(raw))
    if (point === undefined) return errorResponse(404, "RESOURCE_NOT_FOUND", `Charge point ${raw} not found`)
    if (!sees(consumer, point.teamId)) {
      return errorResponse(403, "ACCESS_FORBIDDEN", `No access to charge point ${raw}`)
    }
    return yield* f(point)
  })

/** `GET /charge-points/:id`. @internal */
export const getChargePoint = (state: State) => (consumer: Consumer) =>
  withChargePoint(state, consumer, (point) => Effect.succeed(json(point)))

/** `POST /charge-points`. @internal */
export const createChargePoint = (state: State) => (consumer: Consumer) =>
  Effect.gen(function*() {
    const info = yield* CurrentRequest
    const body = yield* readJsonBody
    if (Either.isLeft(body)) return body.left
    const decoded = decodeCreateBody(body.right)
    if (Either.isLeft(decoded)) return badRequest(describeParseError(decoded.left))
    const teamId = decoded.right.teamId ?? consumer.teamIds[0] ?? 1
    if (!sees(consumer, teamId)) return errorResponse(403, "ACCESS_FORBIDDEN", `No access to team ${teamId}`)
    const id = state.nextChargePointId++
    const now = isoAt(info.now, `charge-point:${id}:${info.now}`)
    const point: ChargePoint = {
      id,
      teamId,
      operatorId: consumer.operatorId,
      name: decoded.right.name,
      serialNumber: decoded.right.serialNumber ?? `MONTA-${String(id).padStart(6, "0")}`,
      state: "available",
      maxKw: decoded.right.maxKw ?? 22,
      createdAt: now,
      updatedAt: now
    }
    state.chargePoints.set(id, point)
    chargePointEvent(state, "created", point, info.now)
    return json(point, 201)
  })

/** `PATCH /charge-points/:id`. @internal */
export const patchChargePoint = (state: State) => (consumer: Consumer) =>
  withChargePoint(state, consumer, (point) =>
    Effect.gen(function*() {
      const info = yield* CurrentRequest
      const body = yield* readJsonBody
      if (Either.isLeft(body)) return body.left
      const decoded = decodePatchBody(body.right)
      if (Either.isLeft(decoded)) return badRequest(describeParseError(decoded.left))
      const current = state.chargePoints.get(point.id)
      if (current === undefined) {
        return errorResponse(404, "RESOURCE_NOT_FOUND", `Charge point ${point.id} not found`)
      }
      const updated: ChargePoint = {
        ...current,
        ...decoded.right,
        updatedAt: isoAt(info.now, `charge-point:${point.id}:${info.now}`)
      }
      state.chargePoints.set(point.id, updated)
      chargePointEvent(state, "updated", updated, info.now)
      return json(updated)
    }))

/** `DELETE /charge-points/:id`. @internal */
export const deleteChargePoint = (state: State) => (consumer: Consumer) =>
  withChargePoint(state, consumer, (point) =>
    Effect.flatMap(CurrentRequest, (info) =>
      Effect.sync(() => {
        state.chargePoints.delete(point.id)
        chargePointEvent(state, "deleted", point, info.now)
        return HttpServerResponse.empty({ status: 204 })
      })))
