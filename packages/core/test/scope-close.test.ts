import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, TokenStore } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import { demoOptions, settle } from "./fixtures.js"

describe("scope close", () => {
  it.effect("section 11: closing the scope during a refresh leaves no fiber and no unhandled error", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const supervisor = yield* Supervisor.track
      const lines: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        lines.push(`${logLevel.label} ${String(message)}`)
      })
      const scope = yield* Scope.make()
      const waiter = yield* Effect.gen(function*() {
        const auth = yield* MontaAuth.make(demoOptions({ jitter: 0 })).pipe(Scope.extend(scope))
        yield* auth.accessToken
        yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Delay({ duration: "1 minute" }) })
        yield* TestClock.adjust("55 minutes")
        yield* settle
        // The background refresh is in flight; a caller with an invalidated token waits for it.
        yield* auth.invalidate()
        const waiter = yield* Effect.fork(Effect.exit(auth.accessToken))
        yield* settle
        assert.isNull(waiter.unsafePoll())
        return waiter
      }).pipe(
        Effect.supervised(supervisor),
        Effect.provide(Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(LogLevel.All)))
      )
      yield* Scope.close(scope, Exit.void)
      yield* settle
      const exit = yield* Fiber.join(waiter)
      // The waiting caller is released with a typed error (L14), not left hanging.
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.strictEqual((yield* Effect.flip(exit))._tag, "MontaAuthClosed")
      const alive = (yield* supervisor.value).filter((fiber) => fiber.id() !== waiter.id())
      assert.deepStrictEqual(alive.map((fiber) => fiber.id()), [])
      assert.deepStrictEqual(lines.filter((line) => /unhandled|ERROR|FATAL/i.test(line)), [])
      yield* TestClock.adjust("2 hours")
      yield* settle
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(Layer.merge(MontaFake.layerTest(), TokenStore.layerMemory))))
})
