import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth, TokenStore } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { demoOptions, settle } from "./fixtures.js"

/** A store of one's own whose backend never answers `load`, or never answers `save`. */
const hungStore = (hang: "load" | "save") =>
  Layer.effect(
    TokenStore,
    TokenStore.makeSimple({
      load: () => hang === "load" ? Effect.never : Effect.succeed(Option.none()),
      save: () => hang === "save" ? Effect.never : Effect.void,
      clear: () => Effect.void
    })
  )

describe("a token store that never answers (L14)", () => {
  for (const hang of ["load", "save"] as const) {
    it.scoped(`section 11: a store whose ${hang} never returns: the token is served from memory within the timeout`, () =>
      Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        const events: Array<AuthEvent> = []
        yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
        const caller = yield* Effect.fork(auth.accessToken)
        yield* settle
        // The store's default timeout is 5 s of the Effect Clock.
        yield* TestClock.adjust("5 seconds")
        yield* settle
        const token = yield* Fiber.join(caller)
        assert.isAbove(token.toString().length, 0)
        assert.strictEqual((yield* fake.counters).tokenRequests, 1)
        if (hang === "load") assert.isTrue(events.some((event) => event._tag === "StoreUnavailable"))
        // Served from memory from then on, no new request.
        yield* auth.accessToken
        assert.strictEqual((yield* fake.counters).tokenRequests, 1)
      }).pipe(
        Effect.provide(
          MontaAuth.layerWithStore(demoOptions()).pipe(
            Layer.orDie,
            Layer.provide(hungStore(hang)),
            Layer.provideMerge(MontaFake.layerTest())
          )
        )
      ))
  }
})
