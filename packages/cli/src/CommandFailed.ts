/**
 * The one error a `monta-auth` command fails with: what went wrong in one line (never a secret)
 * and the exit code scripts can act on.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A command failed: `reason` is the line printed on stderr, `exitCode` one of `ExitCode`.
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandFailed extends Schema.TaggedError<CommandFailed>("@monta-auth/cli/CommandFailed")(
  "CommandFailed",
  {
    exitCode: Schema.Number,
    reason: Schema.String
  }
) {
  override get message(): string {
    return this.reason
  }
}
