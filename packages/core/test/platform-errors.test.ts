import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"
import { demoOptions } from "./fixtures.js"

const TestLive = MontaHttpClient.layer({ retry: { times: 0 } }).pipe(
  Layer.provideMerge(MontaAuth.layer(demoOptions())),
  Layer.orDie,
  Layer.provideMerge(MontaFake.layerTest())
)

/** Every rendering a user's logger or `console.error` may produce of a value. */
const renderings = (value: unknown): ReadonlyArray<string> => [
  String(value),
  JSON.stringify(value),
  inspect(value, { depth: 20 }),
  inspect(value, { depth: 20, getters: true, showHidden: true })
]

const failureRenderings = <A, E>(exit: Exit.Exit<A, E>): ReadonlyArray<string> => {
  assert.isTrue(Exit.isFailure(exit))
  if (!Exit.isFailure(exit)) return []
  return [
    Cause.pretty(exit.cause, { renderErrorCause: true }),
    ...Array.from(Cause.failures(exit.cause)).flatMap(renderings)
  ]
}

describe("platform values handed to the user (H8)", () => {
  it.effect("H8: a 200 with an HTML body: the response and the platform's ResponseError hold no token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const token = Redacted.value(yield* (yield* MontaAuth).accessToken)
      const client = yield* MontaHttpClient
      yield* fake.injectFault({ path: "/charge-points", times: 1, fault: Fault.MalformedBody() })
      const response = yield* client.get("/charge-points")
      assert.isUndefined(response.request.headers["authorization"])
      const exit = yield* Effect.exit(response.json)
      const texts = [...renderings(response), ...failureRenderings(exit)]
      assert.isAbove(texts.length, 6)
      for (const text of texts) assert.notInclude(text, token)
      // The error still says what happened, and on which request.
      const error = Cause.squash(Exit.isFailure(exit) ? exit.cause : Cause.empty) as { readonly _tag: string }
      assert.strictEqual(error._tag, "ResponseError")
      assert.include(String(error), "/charge-points")
    }).pipe(Effect.provide(TestLive)))

  it.effect("H8: a dropped connection: the platform's RequestError holds no token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const token = Redacted.value(yield* (yield* MontaAuth).accessToken)
      const client = yield* MontaHttpClient
      yield* fake.injectFault({ path: "/charge-points", times: 1, fault: Fault.Drop() })
      const exit = yield* Effect.exit(client.get("/charge-points"))
      const texts = failureRenderings(exit)
      assert.isAbove(texts.length, 2)
      for (const text of texts) assert.notInclude(text, token)
      assert.include(texts.join("\n"), "RequestError")
    }).pipe(Effect.provide(TestLive)))
})
