/**
 * The commands of `monta-auth`: `token`, `me`, `check` and `fake-server`.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { MontaAuthService } from "@monta-auth/core"
import { productionBaseUrl } from "@monta-auth/core"
import type { Scope } from "@monta-auth/schema"
import { grants, Me, missingScopes, parseScope } from "@monta-auth/schema"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { CommandFailed } from "../CommandFailed.js"
import { ExitCode } from "../ExitCode.js"
import { type FailureContext, type KnownError, toCommandFailed, usage } from "./failure.js"
import { fakeServer } from "./fakeServerCommand.js"
import * as Style from "./style.js"
import { webhook } from "./webhookCommand.js"

// ---------------------------------------------------------------------------------------------
// options shared by the commands that talk to the API
// ---------------------------------------------------------------------------------------------

/** `--timeout` when not given, in seconds; the help shows it (`withDefault` alone does not). */
const defaultTimeoutSeconds = 15

const connection = {
  clientId: Options.text("client-id").pipe(
    Options.withDescription("The API client id. Default: the MONTA_CLIENT_ID variable."),
    Options.optional
  ),
  clientSecret: Options.redacted("client-secret").pipe(
    Options.withDescription(
      "The API client secret. Default: the MONTA_CLIENT_SECRET variable (prefer it: flags show up in `ps`)."
    ),
    Options.optional
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.withDescription(`The API base URL. Default: the MONTA_BASE_URL variable, else ${productionBaseUrl}.`),
    Options.optional
  ),
  tokenCache: Options.text("token-cache").pipe(
    Options.withDescription(
      "Keep the token pair in this file (mode 0600) so the next calls reuse it instead of asking for a new one. " +
        "Default: the MONTA_TOKEN_CACHE variable, else no cache."
    ),
    Options.optional
  ),
  timeout: Options.integer("timeout").pipe(
    Options.withDescription(
      `Seconds to keep retrying an API that is unreachable or failing (5xx, 429). Default: ${defaultTimeoutSeconds}.`
    ),
    Options.withDefault(defaultTimeoutSeconds)
  )
}

type Connection = Command.Command.ParseConfig<typeof connection>

interface Resolved extends FailureContext {
  readonly clientSecret: Redacted.Redacted<string>
  readonly timeout: number
}

const fromFlagOrEnv = (flag: Option.Option<string>, variable: string) =>
  Option.isSome(flag)
    ? Effect.succeed(flag)
    : Config.option(Config.nonEmptyString(variable)).pipe(Effect.orElseSucceed(() => Option.none<string>()))

const required = (flag: Option.Option<string>, option: string, variable: string, what: string) =>
  Effect.flatMap(fromFlagOrEnv(flag, variable), (value) =>
    Option.match(value, {
      onNone: () => Effect.fail(usage(`no ${what}: set ${variable} or pass ${option}`)),
      onSome: Effect.succeed
    }))

const resolve = (options: Connection): Effect.Effect<Resolved, CommandFailed> =>
  Effect.gen(function*() {
    const clientId = yield* required(options.clientId, "--client-id", "MONTA_CLIENT_ID", "client id")
    const clientSecret = yield* required(
      Option.map(options.clientSecret, Redacted.value),
      "--client-secret",
      "MONTA_CLIENT_SECRET",
      "client secret"
    )
    const baseUrl = Option.getOrElse(yield* fromFlagOrEnv(options.baseUrl, "MONTA_BASE_URL"), () => productionBaseUrl)
      .replace(/\/+$/, "")
    const tokenCache = Option.getOrUndefined(yield* fromFlagOrEnv(options.tokenCache, "MONTA_TOKEN_CACHE"))
    if (options.timeout < 1) return yield* usage("--timeout must be at least 1 second")
    return { clientId, clientSecret: Redacted.make(clientSecret), baseUrl, tokenCache, timeout: options.timeout }
  })

// What a command loads when it runs, not when `monta-auth` starts (SPEC P8): the HTTP client and
// the file system only for the commands that talk to the API, MontaFake only for `fake-server`.
const loadAuth = Effect.promise(async () => {
  const [core, NodeFileSystem, NodeHttpClient] = await Promise.all([
    import("@monta-auth/core"),
    import("@effect/platform-node/NodeFileSystem"),
    import("@effect/platform-node/NodeHttpClient")
  ])
  return { MontaAuth: core.MontaAuth, TokenStore: core.TokenStore, NodeFileSystem, NodeHttpClient }
})

/** Runs `f` with a MontaAuth built from the options; every error becomes a `CommandFailed`. */
const withAuth = <A, E extends KnownError>(
  options: Connection,
  f: (auth: MontaAuthService, resolved: Resolved) => Effect.Effect<A, E>
): Effect.Effect<A, CommandFailed> =>
  Effect.gen(function*() {
    const resolved = yield* resolve(options)
    const { MontaAuth, NodeFileSystem, NodeHttpClient, TokenStore } = yield* loadAuth
    const store = resolved.tokenCache === undefined
      ? TokenStore.layerMemory
      : TokenStore.layerFileSystem(resolved.tokenCache).pipe(Layer.provide(NodeFileSystem.layer))
    const auth = MontaAuth.layerWithStore({
      clientId: resolved.clientId,
      clientSecret: resolved.clientSecret,
      baseUrl: resolved.baseUrl,
      requestTimeout: Duration.seconds(Math.min(10, resolved.timeout)),
      retry: { maxElapsed: Duration.seconds(resolved.timeout) }
    }).pipe(Layer.provide(Layer.merge(store, NodeHttpClient.layerUndici)))
    // `--timeout` bounds the whole command: retries, backoff and the last attempt included.
    return yield* Effect.flatMap(MontaAuth, (service) => f(service, resolved)).pipe(
      Effect.provide(auth),
      Effect.mapError(toCommandFailed(resolved)),
      Effect.timeoutFail({
        duration: Duration.seconds(resolved.timeout),
        onTimeout: () =>
          new CommandFailed({
            exitCode: ExitCode.Unavailable,
            reason: `no answer from ${resolved.baseUrl} within --timeout ${resolved.timeout} s`
          })
      })
    )
  })

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of a table."))

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
  Command.withSubcommands([token, me, check, fakeServer, webhook])
)
