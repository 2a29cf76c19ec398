import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createServer, type Socket } from "node:net"
import { ExitCode } from "../src/index.js"
import { runCli } from "./run-cli.js"

/** A server on localhost that accepts connections and never answers. */
const silentServer = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly close: () => void }>((resume) => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({
        port,
        close: () => {
          for (const socket of sockets) socket.destroy()
          server.close()
        }
      }))
    })
  }),
  (server) => Effect.sync(() => server.close())
)

describe("monta-auth --timeout (issue: --timeout bounds the whole command)", () => {
  it.scoped(
    "CLI: against a server that never answers, --timeout 2 ends the command with exit 4, saying so",
    () =>
      Effect.gen(function*() {
        const server = yield* silentServer
        const started = performance.now()
        const result = yield* runCli(
          ["token", "--base-url", `http://127.0.0.1:${server.port}/api/v1`, "--timeout", "2"],
          { MONTA_CLIENT_ID: "demo-client-id", MONTA_CLIENT_SECRET: "demo-client-secret" }
        )
        const seconds = (performance.now() - started) / 1000
        assert.strictEqual(result.code, ExitCode.Unavailable)
        assert.strictEqual(result.stdout, "")
        assert.include(result.stderr, `127.0.0.1:${server.port}`)
        assert.notInclude(result.stderr, "demo-client-secret")
        // A bound, not a benchmark (generous for a loaded 2-core CI; Node's own start included): the
        // command ends on its own, near --timeout, instead of hanging on the silent server.
        assert.isBelow(seconds, 2 + 10)
      }),
    { timeout: 60_000 }
  )
})
