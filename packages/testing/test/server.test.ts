import * as HttpClientError from "@effect/platform/HttpClientError"
import { assert, describe, it } from "@effect/vitest"
import { Me, TokenPair } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Fault, MontaFake } from "../src/index.js"
import { send } from "./utils.js"

const credentials = { json: { clientId: "demo-client-id", clientSecret: "demo-client-secret" } }

describe("server", () => {
  it.live("§7: over real sockets: token, me, refresh rotation, a resource, faults and a dropped socket", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      assert.match(fake.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
      const token = yield* send("POST", "/auth/token", credentials)
      assert.strictEqual(token.status, 200)
      assert.match(token.response.headers["date"]!, /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/)
      const pair = yield* Schema.decodeUnknown(TokenPair)(token.body)
      const me = yield* send("GET", "/auth/me", { token: Redacted.value(pair.accessToken) })
      assert.strictEqual((yield* Schema.decodeUnknown(Me)(me.body)).clientId, "demo-client-id")
      const points = yield* send("GET", "/charge-points?perPage=5", { token: Redacted.value(pair.accessToken) })
      assert.strictEqual(points.status, 200)
      assert.strictEqual(points.response.headers["ratelimit-remaining"], "999")
      const refreshed = yield* send("POST", "/auth/refresh", {
        json: { refreshToken: Redacted.value(pair.refreshToken) }
      })
      assert.strictEqual(refreshed.status, 200)
      const reused = yield* send("POST", "/auth/refresh", { json: { refreshToken: Redacted.value(pair.refreshToken) } })
      assert.strictEqual(reused.status, 401)
      const bad = yield* send("POST", "/auth/token", { text: "{", contentType: "application/json" })
      assert.strictEqual(bad.status, 400)
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Status({ status: 503, retryAfter: 1 }) })
      const unavailable = yield* send("POST", "/auth/token", credentials)
      assert.strictEqual(unavailable.status, 503)
      assert.strictEqual(unavailable.response.headers["retry-after"], "1")
      yield* fake.injectFault({ path: "/auth/token", fault: Fault.Drop() })
      const dropped = yield* Effect.flip(send("POST", "/auth/token", credentials))
      assert.instanceOf(dropped, HttpClientError.RequestError)
      assert.strictEqual((yield* send("POST", "/auth/token", credentials)).status, 200)
      const counters = yield* fake.counters
      assert.strictEqual(counters.tokenRequests, 5)
      assert.strictEqual(counters.refreshRequests, 2)
      assert.strictEqual(counters.dropped, 1)
    }).pipe(Effect.provide(MontaFake.layerServer())))
})
