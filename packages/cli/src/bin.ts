/**
 * The entry point of the `monta-auth` executable: runs `MontaAuthCli` on `process.argv` and exits
 * with its exit code.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { ExitCode } from "./ExitCode.js"
import { MontaAuthCli } from "./MontaAuthCli.js"

NodeRuntime.runMain(MontaAuthCli.run(process.argv).pipe(Effect.provide(NodeContext.layer)), {
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
