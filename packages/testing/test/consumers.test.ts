/**
 * SPEC section 7 (issue 12 item 8): the consumer as the provider's `Consumer`, from
 * `GET /consumers/me`, and the deprecated `GET /auth/me` that a test can switch to "gone".
 * Facts from monta-partner-api-notes.md, "The consumer: /consumers/me replaces /auth/me".
 */
import { assert, describe, it } from "@effect/vitest"
import { Me } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ConsumerInput } from "../src/index.js"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

const teamConsumerJson = {
  name: "Partner API Team 1",
  operatorId: 42,
  operatorIds: [],
  teamIds: [1],
  clientId: "team-client-id",
  rateLimit: 100,
  rateLimitIntervalInSeconds: 60,
  scopes: ["charge-points:read", "wallet-transactions:read"],
  createdAt: "2023-02-16T07:53:02.059724728Z",
  updatedAt: "2023-11-02T14:21:40.512204331Z"
}

const bare: ConsumerInput = {
  clientId: "bare-client-id",
  clientSecret: "bare-client-secret",
  name: "Bare",
  operatorIds: [7, 8],
  createdAt: "2024-01-18T09:00:00.123456789Z",
  omitOptionalFields: true,
  rateLimit: 5,
  rateLimitIntervalInSeconds: 60
}

describe("consumers", () => {
  it.effect("§7: /consumers/me answers the whole Consumer (required and optional fields), Fair-Use", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(MontaFake.teamConsumer)
      const answer = yield* send("GET", "/consumers/me", { token })
      assert.strictEqual(answer.status, 200)
      assert.deepStrictEqual(answer.body, teamConsumerJson)
      assert.strictEqual(answer.response.headers["ratelimit-policy"], "Fair-Use")
      // The schema of the consumer still decodes it (unknown fields tolerated).
      const me = Schema.decodeUnknownSync(Me)(answer.body)
      assert.strictEqual(me.clientId, "team-client-id")
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: /auth/me answers the same Consumer by default; both count as meRequests", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const { accessToken: token } = yield* login(MontaFake.teamConsumer)
      const answer = yield* send("GET", "/auth/me", { token })
      assert.strictEqual(answer.status, 200)
      assert.deepStrictEqual(answer.body, teamConsumerJson)
      yield* send("GET", "/consumers/me", { token })
      const counters = yield* fake.counters
      assert.strictEqual(counters.meRequests, 2)
      assert.strictEqual(counters.authMeRequests, 1)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: authMe \"gone\" makes /auth/me a 404 (the provider's body) whatever the token; /consumers/me stays", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login()
      for (const auth of [{ token }, { token: "garbage" }, {}]) {
        const gone = yield* send("GET", "/auth/me", auth)
        assert.strictEqual(gone.status, 404)
        const body = gone.body as Record<string, unknown>
        assert.strictEqual(body["status"], "NOT_FOUND")
        assert.strictEqual(body["errorCode"], "RESOURCE_NOT_FOUND")
        assert.isString(body["message"])
        assert.isString(body["readableMessage"])
      }
      assert.strictEqual((yield* send("GET", "/consumers/me", { token })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest({ authMe: "gone" }))))

  it.effect("§7: setAuthMe switches /auth/me to gone and back at run time", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const { accessToken: token } = yield* login()
      assert.strictEqual((yield* send("GET", "/auth/me", { token })).status, 200)
      yield* fake.setAuthMe("gone")
      assert.strictEqual((yield* send("GET", "/auth/me", { token })).status, 404)
      yield* fake.setAuthMe("available")
      assert.strictEqual((yield* send("GET", "/auth/me", { token })).status, 200)
    }).pipe(Effect.provide(MontaFake.layerTest())))

  it.effect("§7: omitOptionalFields sends only the required fields; the window still limits it", () =>
    Effect.gen(function*() {
      const { accessToken: token } = yield* login(bare)
      const answer = yield* send("GET", "/consumers/me", { token })
      assert.deepStrictEqual(answer.body, {
        name: "Bare",
        operatorIds: [7, 8],
        teamIds: [],
        clientId: "bare-client-id",
        scopes: ["all:delete"],
        createdAt: "2024-01-18T09:00:00.123456789Z"
      })
      const page = yield* send("GET", "/charge-points", { token })
      assert.strictEqual(page.response.headers["ratelimit-quota"], "5")
      assert.strictEqual(page.response.headers["ratelimit-timewindow"], "60")
    }).pipe(Effect.provide(MontaFake.layerTest({ consumers: [bare] }))))

  it.effect("§7: /consumers/me with a missing or expired token is 401 INVALID_ACCESS_TOKEN", () =>
    Effect.gen(function*() {
      const answer = yield* send("GET", "/consumers/me", { token: "nope" })
      assert.strictEqual(answer.status, 401)
      assert.deepStrictEqual(answer.body, {
        status: "UNAUTHORIZED",
        message: "Unknown access token",
        errorCode: "INVALID_ACCESS_TOKEN"
      })
    }).pipe(Effect.provide(MontaFake.layerTest())))
})
