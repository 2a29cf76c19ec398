import { assert, describe, it } from "@effect/vitest"
import { requiredScope } from "@monta-auth/schema"
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

  it.effect("§1: a 403 is ACCESS_FORBIDDEN and names the missing scope, shaped as the provider's example", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(consumers[0]!)
      const answer = yield* send("DELETE", "/charge-points/1", { token })
      // monta-partner-api-notes.md, "Error bodies": 403 {status: "FORBIDDEN", errorCode: "ACCESS_FORBIDDEN", ...}
      assert.deepStrictEqual(answer.body, {
        status: "FORBIDDEN",
        message: "Missing scope charge-points:delete",
        errorCode: "ACCESS_FORBIDDEN",
        readableMessage: "The API credential does not have the scope charge-points:delete"
      })
    }).pipe(Effect.provide(MontaFake.layerTest({ consumers }))))

  it.effect("§7 H7: each route of the fake requires the scope the provider's endpoint table names for it", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const routes = [
        ["GET", "/charge-points"],
        ["GET", "/charge-points/1"],
        ["POST", "/charge-points"],
        ["PATCH", "/charge-points/1"],
        ["DELETE", "/charge-points/1"],
        ["GET", "/wallet-transactions"]
      ] as const
      for (const [method, path] of routes) {
        const required = requiredScope(method, path)
        assert.isDefined(required, `${method} ${path} is in the table`)
        const clientId = `only-${method}-${path}`
        yield* fake.addConsumer({ clientId, clientSecret: "secret", scopes: [required!] })
        const { accessToken: token } = yield* login({ clientId, clientSecret: "secret" })
        const json = method === "POST"
          ? { name: "New", teamId: 1 }
          : method === "PATCH"
          ? { name: "Renamed" }
          : undefined
        const granted = yield* send(method, path, { token, ...(json !== undefined ? { json } : {}) })
        assert.include([200, 201, 204], granted.status, `${method} ${path} with ${required}`)
        // A credential with every scope but this entity's is refused, naming the table's scope.
        const otherId = `other-${method}-${path}`
        yield* fake.addConsumer({
          clientId: otherId,
          clientSecret: "secret",
          scopes: ["sites:delete", "tariffs:delete"]
        })
        const other = yield* login({ clientId: otherId, clientSecret: "secret" })
        const refused = yield* send(method, path, { token: other.accessToken, ...(json !== undefined ? { json } : {}) })
        assert.strictEqual(refused.status, 403)
        assert.strictEqual((refused.body as { message: string }).message, `Missing scope ${required}`)
      }
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: a route the table names no scope for (/afir/charge-points, /consumers/me) needs only the token", () =>
    Effect.gen(function*() {
      assert.isUndefined(requiredScope("GET", "/afir/charge-points"))
      assert.isUndefined(requiredScope("GET", "/consumers/me"))
      const { accessToken: token } = yield* login(consumers[5]!) // wallet-transactions:read only
      assert.strictEqual((yield* send("GET", "/afir/charge-points", { token })).status, 200)
      assert.strictEqual((yield* send("GET", "/consumers/me", { token })).status, 200)
      assert.strictEqual((yield* send("GET", "/charge-points", { token })).status, 403)
    }).pipe(Effect.provide(MontaFake.layerTest({ consumers }))))
})
