import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { ConsumerInput } from "../src/index.js"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

const consumer = (clientId: string, scopes: ConsumerInput["scopes"]): ConsumerInput => ({
  clientId,
  clientSecret: `${clientId}-secret`,
  scopes
})

const consumers = [
  consumer("reader", ["charge-points:read"]),
  consumer("writer", ["charge-points:write"]),
  consumer("deleter", ["charge-points:delete"]),
  consumer("all-reader", ["all:read"]),
  consumer("everything", ["all:delete"]),
  consumer("finance", ["wallet-transactions:read"])
]

/** The status of each operation for a consumer: list, get, create, patch, delete, wallet list. */
const statuses = (clientId: string) =>
  Effect.gen(function*() {
    const { accessToken: token } = yield* login(consumers.find((c) => c.clientId === clientId)!)
    return [
      (yield* send("GET", "/charge-points", { token })).status,
      (yield* send("GET", "/charge-points/1", { token })).status,
      (yield* send("POST", "/charge-points", { token, json: { name: "New", teamId: 1 } })).status,
      (yield* send("PATCH", "/charge-points/1", { token, json: { name: "Renamed" } })).status,
      (yield* send("DELETE", "/charge-points/2", { token })).status,
      (yield* send("GET", "/wallet-transactions", { token })).status
    ]
  })

describe("scopes", () => {
  it.effect("§1: read < write < delete, each including the ones before it; 403 when missing", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* statuses("reader"), [200, 200, 403, 403, 403, 403])
      assert.deepStrictEqual(yield* statuses("writer"), [200, 200, 201, 200, 403, 403])
      assert.deepStrictEqual(yield* statuses("deleter"), [200, 200, 201, 200, 204, 403])
      assert.deepStrictEqual(yield* statuses("finance"), [403, 403, 403, 403, 403, 200])
    }).pipe(Effect.provide(MontaFake.layerTest({ consumers }))))

  it.effect("§1: entity all covers every entity; all:read still cannot write", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* statuses("all-reader"), [200, 200, 403, 403, 403, 200])
      assert.deepStrictEqual(yield* statuses("everything"), [200, 200, 201, 200, 204, 200])
    }).pipe(Effect.provide(MontaFake.layerTest({ consumers }))))

  it.effect("§1: a 403 is ACCESS_FORBIDDEN and names the missing scope", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(consumers[0]!)
      const answer = yield* send("DELETE", "/charge-points/1", { token })
      assert.deepStrictEqual(answer.body, {
        status: 403,
        message: "Missing scope charge-points:delete",
        errorCode: "ACCESS_FORBIDDEN"
      })
    }).pipe(Effect.provide(MontaFake.layerTest({ consumers }))))

  it.effect("§1: /auth/me reports the consumer's scopes, teams and rate limit", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(MontaFake.teamConsumer)
      const answer = yield* send("GET", "/auth/me", { token })
      assert.deepStrictEqual(answer.body, {
        name: "Partner API Team 1",
        operatorId: 42,
        teamIds: [1],
        clientId: "team-client-id",
        rateLimit: 100,
        rateLimitIntervalInSeconds: 60,
        scopes: ["charge-points:read", "wallet-transactions:read"]
      })
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
