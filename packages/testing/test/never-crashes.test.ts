import { assert, describe, it } from "@effect/vitest"
import { httpStatusNames } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import type { MontaFakeOptions } from "../src/index.js"
import { MontaFake } from "../src/index.js"
import { login, send } from "./utils.js"

const paths = fc.oneof(
  fc.constantFrom(
    "/auth/token",
    "/auth/refresh",
    "/auth/me",
    "/consumers/me",
    "/afir/charge-points",
    "/charge-points",
    "/charge-points/1",
    "/charge-points/2",
    "/charge-points/0",
    "/charge-points/abc",
    "/charge-points/1/2",
    "/wallet-transactions",
    "/",
    ""
  ),
  fc.webSegment().map((segment) => `/${segment}`)
)

const queries = fc.option(
  fc.record({
    page: fc.oneof(fc.integer().map(String), fc.string()),
    perPage: fc.oneof(fc.integer().map(String), fc.string()),
    after: fc.oneof(fc.string(), fc.constant("eyJpZCI6MX0"))
  }, {
    requiredKeys: []
  }).map((query) => `?${new URLSearchParams(query).toString()}`),
  { nil: "" }
)

const bodies = fc.option(
  fc.oneof(
    fc.json(),
    fc.string(),
    fc.record({ clientId: fc.oneof(fc.string(), fc.constant("demo-client-id")), clientSecret: fc.anything() }).map((
      value
    ) => JSON.stringify(value)),
    fc.record({ refreshToken: fc.anything(), name: fc.anything(), teamId: fc.anything() }).map((value) =>
      JSON.stringify(value) ?? "{}"
    )
  ),
  { nil: undefined }
)

const arbitraries = {
  method: fc.constantFrom("GET" as const, "POST" as const, "PUT" as const, "PATCH" as const, "DELETE" as const),
  path: paths,
  query: queries,
  body: bodies,
  contentType: fc.constantFrom("application/json", "text/plain", "application/json; charset=utf-8", ""),
  auth: fc.constantFrom("valid" as const, "garbage" as const, "none" as const)
}

const knownStatuses = [200, 201, 204, 400, 401, 403, 404, 405, 415]

const options: MontaFakeOptions = { seed: { chargePoints: 3, walletTransactions: 3 } }

type Input = {
  readonly [K in keyof typeof arbitraries]: (typeof arbitraries)[K] extends fc.Arbitrary<infer A> ? A : never
}

/** One request of the property against a fresh fake. */
const request = ({ auth, body, contentType, method, path, query }: Input) =>
  Effect.gen(function*() {
    const { accessToken } = yield* login()
    const token = auth === "valid" ? accessToken : auth === "garbage" ? "garbage" : undefined
    const answer = yield* send(method, `${path}${query}`, {
      ...(token !== undefined ? { token } : {}),
      ...(body !== undefined && method !== "GET" ? { text: body, contentType } : {})
    })
    assert.include(knownStatuses, answer.status)
    assert.isString(answer.response.headers["date"])
    if (answer.status >= 400) {
      // The status as its name, as in the provider's error examples ("UNAUTHORIZED").
      const error = answer.body as { status: string; errorCode: string; message: string }
      assert.strictEqual(httpStatusNames[error.status], answer.status, error.status)
      assert.isString(error.errorCode)
      assert.isString(error.message)
    }
    if (answer.status === 405) assert.match(answer.response.headers["allow"]!, /^[A-Z]+(, [A-Z]+)*$/)
    if (answer.status === 415) assert.strictEqual(answer.response.headers["accept"], "application/json")
  })

describe("never crashes", () => {
  it.effect.prop(
    "§1: any method, path, query, body, content type and token gets a known status and a JSON error body",
    arbitraries,
    (input) => request(input).pipe(Effect.provide(MontaFake.layerTest(options))),
    { fastCheck: { numRuns: 200 } }
  )

  it.live.prop(
    "§1: the same over real sockets: a known status and a JSON error body",
    arbitraries,
    (input) => request(input).pipe(Effect.provide(MontaFake.layerServer(options))),
    { fastCheck: { numRuns: 30 } }
  )
})
