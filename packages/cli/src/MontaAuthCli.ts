/**
 * The `monta-auth` command as a value: `MontaAuthCli.command` (the `@effect/cli` command) and
 * `MontaAuthCli.run(argv)`, which runs it and gives back the exit code instead of failing.
 *
 * @since 0.1.0
 */
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { ExitCode } from "./ExitCode.js"
import * as internal from "./internal/commands.js"
import * as Style from "./internal/style.js"

/**
 * The version printed by `monta-auth --version`.
 *
 * @since 0.1.0
 * @category constants
 */
export const cliVersion = "0.1.0"

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim()

// Warnings of the libraries (a token cache that cannot be read or written, ...) go to stderr on one
// line, so stdout holds only the command's output (`$(monta-auth token)` stays a token). A run prints
// each line once: the token cache is read on load and again before each save, and one warning about
// one corrupt file is enough.
const stderrLogger = () => {
  const printed = new Set<string>()
  return Logger.make(({ logLevel, message }) => {
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    const line = `monta-auth: ${logLevel.label.toLowerCase()}: ${oneLine(text).replace(/^monta-auth: /, "")}`
    if (printed.has(line)) return
    printed.add(line)
    process.stderr.write(`${line}\n`)
  })
}

/**
 * The command line of `monta-auth`.
 *
 * @example
 * ```ts
 * import { MontaAuthCli } from "@monta-auth/cli"
 * import { NodeContext, NodeRuntime } from "@effect/platform-node"
 * import { Effect } from "effect"
 *
 * MontaAuthCli.run(process.argv).pipe(
 *   Effect.flatMap((code) => Effect.sync(() => (process.exitCode = code))),
 *   Effect.provide(NodeContext.layer),
 *   NodeRuntime.runMain
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export class MontaAuthCli {
  private constructor() {}

  /** The `@effect/cli` command with its subcommands `token`, `me`, `check`, `credentials`, `fake-server` and `webhook`. */
  static readonly command = internal.command

  /**
   * Runs the command on `argv` (as `process.argv`: runtime and script first) and succeeds with the
   * exit code. A failure is printed on stderr in one line (`monta-auth: ...`); usage errors are
   * printed by `@effect/cli` with the help of the command.
   */
  static run(argv: ReadonlyArray<string>): Effect.Effect<ExitCode, never, CliApp.CliApp.Environment> {
    const cli = Command.run(internal.command, { name: "monta-auth", version: cliVersion, executable: "monta-auth" })
    return cli(argv).pipe(
      Effect.as<ExitCode>(ExitCode.Ok),
      Effect.catchAllCause((cause): Effect.Effect<ExitCode> => {
        if (Cause.isInterruptedOnly(cause)) return Effect.succeed(ExitCode.Interrupted)
        const failure = Cause.failureOption(cause)
        if (Option.isSome(failure)) {
          const error = failure.value
          if (error._tag === "CommandFailed") {
            return Effect.as(Console.error(`monta-auth: ${oneLine(error.reason)}`), error.exitCode as ExitCode)
          }
          // A ValidationError: @effect/cli printed it with the usage.
          return Effect.succeed(ExitCode.Usage)
        }
        const defect = Cause.squash(cause)
        return Effect.as(
          Console.error(
            `monta-auth: unexpected error: ${oneLine(defect instanceof Error ? defect.message : String(defect))}`
          ),
          ExitCode.Failure
        )
      }),
      Effect.provide(Layer.suspend(() => Logger.replace(Logger.defaultLogger, stderrLogger()))),
      Logger.withMinimumLogLevel(LogLevel.Warning),
      (effect) => Effect.flatMap(Effect.console, (console) => Effect.withConsole(effect, Style.plainWhenPiped(console)))
    )
  }
}
