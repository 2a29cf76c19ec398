/**
 * MontaFake served on 127.0.0.1 in a process of its own (as a real server is), for P3: started by
 * `startFakeProcess`, it prints `ready <port>` once it listens and stops on SIGTERM or when its
 * parent's pipe closes.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { benchConsumer } from "./consumer.js"

const port = Number(process.argv[2] ?? "0")

const program = Effect.gen(function*() {
  const fake = yield* MontaFake
  process.stdout.write(`ready ${new URL(fake.baseUrl).port}\n`)
  process.stdin.resume()
  process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"))
  return yield* Effect.never
})

NodeRuntime.runMain(
  program.pipe(Effect.provide(
    MontaFake.layerServer({ consumers: [benchConsumer], journalLimit: 100, port }).pipe(
      Layer.orDie
    )
  )),
  { disableErrorReporting: false }
)
