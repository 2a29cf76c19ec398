import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { MontaFake } from "../src/index.js"
import { smoke, smokeOptions } from "./smoke.js"

describe("smoke", () => {
  it.effect("§1 §7: the smoke test in memory, on the TestClock", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      assert.strictEqual(fake.baseUrl, "http://monta.fake/api/v1")
      yield* smoke
    }).pipe(Effect.provide(MontaFake.layerTest(smokeOptions))))

  it.live("§1 §7: the same smoke test over real sockets on localhost, in real time", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      assert.match(fake.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
      yield* smoke
    }).pipe(Effect.provide(MontaFake.layerServer(smokeOptions))))
})
