import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { perPageBounds } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { ChargePoint } from "./model.js"
import { chargePointStates } from "./model.js"
import { CurrentRequest } from "./request.js"
import { badRequest, describeParseError, errorResponse, json, readJsonBody } from "./responses.js"
import { demoOperator, isoAt, makeChargePoint } from "./seed.js"
import type { Consumer, State } from "./state.js"
import { enqueue } from "./webhooks.js"

/** Queues the webhook entry of a change to a charge point, `eventTime` its server time. */
const chargePointEvent = (
  state: State,
  eventType: "created" | "updated" | "deleted",
  point: ChargePoint,
  now: number
) => {
  const eventTime = isoAt(now, `webhook:charge-point:${point.id}:${eventType}:${now}`)
  enqueue(state, {
    entityType: "charge-point",
    entityId: String(point.id),
    eventType,
    eventTime,
    payload: eventType === "deleted" ? { ...point, deletedAt: eventTime } : point
  }, { teamId: point.teamId })
}

const decodeCreateBody = Schema.decodeUnknownEither(Schema.Struct({
  name: Schema.NonEmptyTrimmedString,
  teamId: Schema.optional(Schema.Int),
  serialNumber: Schema.optional(Schema.String),
  maxKw: Schema.optional(Schema.Number.pipe(Schema.positive()))
}))
const decodePatchBody = Schema.decodeUnknownEither(Schema.Struct({
  name: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  state: Schema.optionalWith(Schema.Literal(...chargePointStates), { exact: true }),
  maxKw: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { exact: true })
}))

/** The 404 of a charge point, shaped as the provider's example (`readableMessage`, `context`). */
const notFound = (id: string) =>
  errorResponse(404, "RESOURCE_NOT_FOUND", `Charge point ${id} not found`, {
    readableMessage: "The charge point could not be found",
    context: `chargePointId=${id}`
  })

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

const encodeCursor = (id: number) => Buffer.from(JSON.stringify({ id }), "utf8").toString("base64url")

/** The id an `after`/`before` cursor of `cursorPaged` stands for, if it is one. */
const decodeCursor = (cursor: string): number | undefined => {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    const id = typeof decoded === "object" && decoded !== null ? (decoded as { readonly id?: unknown }).id : undefined
    return typeof id === "number" && Number.isSafeInteger(id) && id >= 0 ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * A cursor page (`after` or `before`, `perPage`) of the items the consumer's teams see, by id:
 * `{data, meta: {itemCount, perPage, after, before}}`, `meta.after` the cursor of the next page
 * (`null` on the last), `meta.before` of the previous (`null` on the first). Cursors are opaque.
 *
 * @internal
 */
export const cursorPaged = <A extends { readonly id: number; readonly teamId: number }>(
  items: () => ReadonlyArray<A>
) =>
(consumer: Consumer) =>
  Effect.gen(function*() {
    const query = yield* HttpServerRequest.ParsedSearchParams
    const single = (name: string) => {
      const value = query[name]
      return Array.isArray(value) ? value[0] : value as string | undefined
    }
    const perPage = parseIndex(single("perPage"), "perPage", perPageBounds.min, perPageBounds.max, 10)
    if (Either.isLeft(perPage)) return badRequest(perPage.left)
    const after = single("after")
    const before = single("before")
    if (after !== undefined && before !== undefined) return badRequest("Give either after or before, not both")
    const cursor = after ?? before
    const at = cursor === undefined ? undefined : decodeCursor(cursor)
    if (cursor !== undefined && at === undefined) return badRequest(`Invalid cursor ${JSON.stringify(cursor)}`)
    const visible = items().filter((item) => sees(consumer, item.teamId)).sort((a, b) => a.id - b.id)
    const data = before !== undefined
      ? visible.filter((item) => item.id < at!).slice(-perPage.right)
      : visible.filter((item) => at === undefined || item.id > at).slice(0, perPage.right)
    const first = data[0]
    const last = data[data.length - 1]
    const hasAfter = last !== undefined && visible.some((item) => item.id > last.id)
    const hasBefore = first !== undefined && visible.some((item) => item.id < first.id)
    return json({
      data,
      meta: {
        itemCount: data.length,
        perPage: perPage.right,
        after: hasAfter ? encodeCursor(last.id) : null,
        before: hasBefore ? encodeCursor(first.id) : null
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
    if (point === undefined) return notFound(raw)
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
    const point = makeChargePoint({
      id,
      teamId,
      operator: consumer.operatorId === demoOperator.id
        ? demoOperator
        : {
          ...demoOperator,
          id: consumer.operatorId,
          name: `Operator ${consumer.operatorId}`,
          identifier: `operator-${consumer.operatorId}`
        },
      name: decoded.right.name,
      serialNumber: decoded.right.serialNumber ?? `MONTA-${String(id).padStart(6, "0")}`,
      state: "available",
      maxKw: decoded.right.maxKw ?? 22,
      createdAt: now,
      updatedAt: now
    })
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
        return notFound(String(point.id))
      }
      const changed = { ...current, ...decoded.right }
      const updated = makeChargePoint({
        ...changed,
        operator: current.operator ?? demoOperator,
        updatedAt: isoAt(info.now, `charge-point:${point.id}:${info.now}`)
      })
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
