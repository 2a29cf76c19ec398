/**
 * The commands of `monta-auth`: `token`, `me`, `check`, `credentials`, `fake-server` and `webhook`.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import type { Scope } from "@monta-auth/schema"
import { grants, Me, missingScopes, parseScope } from "@monta-auth/schema"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { CommandFailed } from "../CommandFailed.js"
import { ExitCode } from "../ExitCode.js"
import { connection, json, withAuth } from "./connection.js"
import { credentials } from "./credentialsCommand.js"
import { usage } from "./failure.js"
import { fakeServer } from "./fakeServerCommand.js"
import * as Style from "./style.js"
import { webhook } from "./webhookCommand.js"

// ---------------------------------------------------------------------------------------------
// token
// ---------------------------------------------------------------------------------------------

/** A token printed for a script should not expire while the script uses it. */
const minimumValidity = Duration.toMillis("1 minute")

const token = Command.make("token", connection, (options) =>
  withAuth(options, (auth) =>
    Effect.gen(function*() {
      let current = yield* auth.current
      if (current.expiresAt - (yield* Clock.currentTimeMillis) < minimumValidity) {
        yield* auth.invalidate(current.accessToken)
        current = yield* auth.current
      }
      yield* Console.log(Redacted.value(current.accessToken))
    }))).pipe(
    Command.withDescription(
      "Print a valid access token and nothing else, for scripts: " +
        "curl -H \"Authorization: Bearer $(monta-auth token)\" ..."
    )
  )

// ---------------------------------------------------------------------------------------------
// me
// ---------------------------------------------------------------------------------------------

const formatUntil = (expiresAt: number, now: number): string => {
  const left = Math.max(0, Math.round((expiresAt - now) / 1000))
  const until = DateTime.formatIso(DateTime.unsafeMake(expiresAt)).replace("T", " ").replace(/\.\d+Z$/, " UTC")
  return `valid until ${until} (${left >= 120 ? `${Math.floor(left / 60)} min` : `${left} s`} left)`
}

const me = Command.make(
  "me",
  { ...connection, json },
  (options) =>
    withAuth(options, (auth, resolved) =>
      Effect.gen(function*() {
        const info = yield* auth.me
        if (options.json) {
          return yield* Console.log(JSON.stringify(Schema.encodeSync(Me)(info)))
        }
        const current = yield* auth.current
        const now = yield* Clock.currentTimeMillis
        yield* Console.log(Style.table([
          ["Credential", `${Style.bold(info.name)} ${Style.dim(`(${info.clientId})`)}`],
          ["Operator", info.operatorId !== undefined ? String(info.operatorId) : Style.dim("not stated")],
          ["Teams", info.teamIds.length === 0 ? "every team of the operator" : info.teamIds.join(", ")],
          [
            "Rate limit",
            info.rateLimit !== undefined && info.rateLimitIntervalInSeconds !== undefined
              ? `${info.rateLimit} requests per ${Style.seconds(info.rateLimitIntervalInSeconds)}`
              : Style.dim("not stated (the budget follows the server's RateLimit-Quota, else 1000 per 600 s)")
          ],
          ["Scopes", info.scopes.length === 0 ? Style.dim("none") : info.scopes.join("\n")],
          ...(info.unrecognizedScopes.length === 0 ? [] : [
            [
              "Not understood",
              `${info.unrecognizedScopes.join("\n")}\n${
                Style.dim("(granted by the server; this version grants nothing by them)")
              }`
            ] as const
          ]),
          ["Token", formatUntil(current.expiresAt, now)],
          ["API", resolved.baseUrl]
        ]))
      }))
).pipe(
  Command.withDescription(
    "Show the credential: name, client id, operator, teams, rate limit, scopes and token expiry (never a secret)."
  )
)

// ---------------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------------

const scopes = Args.text({ name: "scope" }).pipe(
  Args.withDescription("A scope such as charge-points:read (entity:read|write|delete; all:delete grants everything)."),
  Args.atLeast(1)
)

const parseScopes = (inputs: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Scope>, CommandFailed> =>
  Effect.forEach(inputs, (input) =>
    Either.match(parseScope(input), {
      onLeft: (problem) => Effect.fail(usage(`invalid scope "${input}": ${problem}`)),
      onRight: () => Effect.succeed(input as Scope)
    }))

const check = Command.make(
  "check",
  { ...connection, json, scopes },
  (options) =>
    Effect.flatMap(parseScopes(options.scopes), (wanted) =>
      withAuth(options, (auth) =>
        Effect.gen(function*() {
          const info = yield* auth.me
          const missing = missingScopes(info.scopes, wanted)
          if (options.json) {
            yield* Console.log(JSON.stringify({
              ok: missing.length === 0,
              required: wanted,
              missing,
              granted: info.scopes
            }))
          } else {
            const width = Math.max(...wanted.map((scope) => scope.length))
            yield* Console.log(
              wanted.map((scope) => {
                const by = info.scopes.find((granted) => grants(granted, scope))
                return by === undefined
                  ? `  ${Style.red("✗")} ${scope.padEnd(width)}   ${Style.dim("not granted")}`
                  : `  ${Style.green("✓")} ${scope.padEnd(width)}   ${Style.dim(by === scope ? "granted" : `by ${by}`)}`
              }).join("\n")
            )
          }
          if (missing.length > 0) {
            const granted = info.scopes.length === 0 ? "no scopes" : info.scopes.join(", ")
            return yield* new CommandFailed({
              exitCode: ExitCode.ScopeMissing,
              reason: `not granted: ${missing.join(", ")} (client ${info.clientId} has ${granted})`
            })
          }
        })))
).pipe(
  Command.withDescription(
    "Exit 0 when the credential grants every scope given, 1 when it does not (saying which)."
  )
)

// ---------------------------------------------------------------------------------------------
// the command
// ---------------------------------------------------------------------------------------------

/** @internal */
export const command = Command.make("monta-auth").pipe(
  Command.withDescription(
    "Tokens for scripts, credential checks and a local fake of the Monta Partner API. " +
      "Exit codes: 0 ok, 1 scope missing, 2 usage or configuration, 3 credentials refused, " +
      "4 API unreachable or failing, 5 other error, 130 interrupted."
  ),
  Command.withSubcommands([token, me, check, credentials, fakeServer, webhook])
)
