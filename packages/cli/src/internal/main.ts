/**
 * The full `monta-auth` command on `process.argv`: `MontaAuthCli.run` on Node, exiting with its
 * exit code. Loaded by `bin.ts` only when the cached token cannot answer (see `cachedToken.ts`).
 *
 * @internal
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { ExitCode } from "../ExitCode.js"
import { MontaAuthCli } from "../MontaAuthCli.js"

/** @internal */
export const main = (argv: ReadonlyArray<string>): void =>
  NodeRuntime.runMain(MontaAuthCli.run(argv).pipe(Effect.provide(NodeContext.layer)), {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      const code = Exit.match(exit, {
        onSuccess: (value) => typeof value === "number" ? value : ExitCode.Ok,
        onFailure: (cause) => Cause.isInterruptedOnly(cause) ? ExitCode.Interrupted : ExitCode.Failure
      })
      process.exitCode = code
      onExit(code)
    }
  })
