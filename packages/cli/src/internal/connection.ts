/**
 * The options shared by the commands that talk to the API (`token`, `me`, `check`,
 * `credentials`), how they resolve against the environment, and the lazily loaded services.
 */
import type * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { MontaAuthService } from "@monta-auth/core"
import { credentialConfig, MontaCredentials, productionBaseUrl } from "@monta-auth/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { CommandFailed } from "../CommandFailed.js"
import { ExitCode } from "../ExitCode.js"
import { type FailureContext, type KnownError, toCommandFailed, usage } from "./failure.js"

/** `--timeout` when not given, in seconds; the help shows it (`withDefault` alone does not). @internal */
export const defaultTimeoutSeconds = 15

/** @internal */
export const connection = {
  credential: Options.text("credential").pipe(
    Options.withDescription(
      "Use the named credential of the environment: MONTA_<NAME>_CLIENT_ID and MONTA_<NAME>_CLIENT_SECRET " +
        "(<NAME> upper-cased, other characters than letters and digits as _) instead of MONTA_CLIENT_ID and " +
        "MONTA_CLIENT_SECRET. Not with --client-id or --client-secret."
    ),
    Options.optional
  ),
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

/** @internal */
export type Connection = Command.Command.ParseConfig<typeof connection>

/** @internal */
export interface Resolved extends FailureContext {
  readonly clientSecret: Redacted.Redacted<string>
  readonly timeout: number
}

/** @internal */
export const fromFlagOrEnv = (flag: Option.Option<string>, variable: string) =>
  Option.isSome(flag)
    ? Effect.succeed(flag)
    : Config.option(Config.nonEmptyString(variable)).pipe(Effect.orElseSucceed(() => Option.none<string>()))

const required = (flag: Option.Option<string>, option: string, variable: string, what: string) =>
  Effect.flatMap(fromFlagOrEnv(flag, variable), (value) =>
    Option.match(value, {
      onNone: () => Effect.fail(usage(`no ${what}: set ${variable} or pass ${option}`)),
      onSome: Effect.succeed
    }))

/** As MontaAuth checks a client id, secret or name: non-empty, no white space around it. */
const isClean = (value: string): boolean => value.length > 0 && value.trim() === value

/** The variable a leaf of a `ConfigError` is about; `credentialConfig` reports `_SCOPES` without a path. */
const variableOf = (path: ReadonlyArray<string>, prefix: string): string =>
  path.length === 0 ? `${prefix}SCOPES` : path.join("_")

const whatIs = (variable: string): string =>
  variable.endsWith("_CLIENT_SECRET")
    ? "client secret"
    : variable.endsWith("_CLIENT_ID")
    ? "client id"
    : variable === "MONTA_CREDENTIALS"
    ? "credential names"
    : variable

/**
 * One line naming each variable that is missing or invalid (never a value): of the credential
 * `name` (variables `prefix...`), or of the whole configuration when `name` is undefined.
 *
 * @internal
 */
export const describeConfigError =
  (name: string | undefined, prefix: string) => (error: ConfigError.ConfigError): string => {
    switch (error._op) {
      case "And":
      case "Or":
        return `${describeConfigError(name, prefix)(error.left)}; ${describeConfigError(name, prefix)(error.right)}`
      case "MissingData": {
        const variable = variableOf(error.path, prefix)
        return `no ${whatIs(variable)}${name === undefined ? "" : ` for credential ${name}`}: set ${variable}`
      }
      case "InvalidData":
        return `${variableOf(error.path, prefix)} ${error.message}`
      default:
        return error.message
    }
  }

/** The client id and secret of `--credential NAME` (C1's variables, through `credentialConfig`). */
const namedCredential = (name: string) =>
  Effect.gen(function*() {
    if (!isClean(name)) return yield* usage("--credential needs a name without white space around it")
    const prefix = MontaCredentials.variablePrefix(name)
    return yield* credentialConfig(name).pipe(
      Effect.mapError((error) => usage(describeConfigError(name, prefix)(error)))
    )
  })

const plainCredential = (options: Connection) =>
  Effect.gen(function*() {
    const clientId = yield* required(options.clientId, "--client-id", "MONTA_CLIENT_ID", "client id")
    const clientSecret = yield* required(
      Option.map(options.clientSecret, Redacted.value),
      "--client-secret",
      "MONTA_CLIENT_SECRET",
      "client secret"
    )
    return { clientId, clientSecret: Redacted.make(clientSecret) }
  })

/** @internal */
export const resolveBaseUrl = (flag: Option.Option<string>) =>
  Effect.map(
    fromFlagOrEnv(flag, "MONTA_BASE_URL"),
    (baseUrl) => Option.getOrElse(baseUrl, () => productionBaseUrl).replace(/\/+$/, "")
  )

/** @internal */
export const resolve = (options: Connection): Effect.Effect<Resolved, CommandFailed> =>
  Effect.gen(function*() {
    if (Option.isSome(options.credential) && (Option.isSome(options.clientId) || Option.isSome(options.clientSecret))) {
      return yield* usage("--credential names the client id and secret: drop --client-id and --client-secret")
    }
    const { clientId, clientSecret } = Option.isSome(options.credential)
      ? yield* namedCredential(options.credential.value)
      : yield* plainCredential(options)
    const baseUrl = yield* resolveBaseUrl(options.baseUrl)
    const tokenCache = Option.getOrUndefined(yield* fromFlagOrEnv(options.tokenCache, "MONTA_TOKEN_CACHE"))
    if (options.timeout < 1) return yield* usage("--timeout must be at least 1 second")
    return { clientId, clientSecret, baseUrl, tokenCache, timeout: options.timeout }
  })

// What a command loads when it runs, not when `monta-auth` starts (SPEC P8): the HTTP client and
// the file system only for the commands that talk to the API, MontaFake only for `fake-server`.
/** @internal */
export const loadAuth = Effect.promise(async () => {
  const [core, NodeFileSystem, NodeHttpClient] = await Promise.all([
    import("@monta-auth/core"),
    import("@effect/platform-node/NodeFileSystem"),
    import("@effect/platform-node/NodeHttpClient")
  ])
  return {
    MontaAuth: core.MontaAuth,
    MontaCredentials: core.MontaCredentials,
    TokenStore: core.TokenStore,
    NodeFileSystem,
    NodeHttpClient
  }
})

/** Runs `f` with a MontaAuth built from the options; every error becomes a `CommandFailed`. */
/** @internal */
export const withAuth = <A, E extends KnownError>(
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

/** @internal */
export const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of a table."))
