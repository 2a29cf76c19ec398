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

const renderingsOf = <A, E>(exit: Exit.Exit<A, E>): ReadonlyArray<string> => {
  if (!Exit.isFailure(exit)) return assert.fail("expected a failure")
  return [
    Cause.pretty(exit.cause, { renderErrorCause: true }),
    ...Array.from(Cause.failures(exit.cause)).flatMap((error) => [
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
      (error as { readonly message?: string }).message ?? ""
    ])
  ]
}

describe("a server that echoes what we sent (H8, section 11)", () => {
  it.effect("section 11: /auth/token echoing the client secret: InvalidCredentials holds no secret", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const secret = MontaFake.demoConsumer.clientSecret
      yield* fake.injectFault({
        path: "/auth/token",
        fault: Fault.Status({
          status: 401,
          body: { status: "UNAUTHORIZED", errorCode: "CONSUMER_NOT_FOUND", message: `bad secret ${secret}` }
        })
      })
      const exit = yield* Effect.exit((yield* MontaAuth).accessToken)
      const texts = renderingsOf(exit)
      assert.include(texts.join("\n"), "InvalidCredentials")
      assert.include(texts.join("\n"), "<redacted>")
      for (const text of texts) assert.notInclude(text, secret)
    }).pipe(Effect.provide(TestLive)))

  it.effect("section 11: a resource echoing the bearer token: MontaApiError holds no token", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const token = Redacted.value(yield* (yield* MontaAuth).accessToken)
      yield* fake.injectFault({
        path: "/charge-points/1",
        fault: Fault.Status({ status: 403, body: { errorCode: "ACCESS_FORBIDDEN", message: `Bearer ${token} denied` } })
      })
      const client = yield* MontaHttpClient
      const exit = yield* Effect.exit(client.get("/charge-points/1"))
      const texts = renderingsOf(exit)
      assert.include(texts.join("\n"), "MontaApiError")
      for (const text of texts) assert.notInclude(text, token)
    }).pipe(Effect.provide(TestLive)))
})
