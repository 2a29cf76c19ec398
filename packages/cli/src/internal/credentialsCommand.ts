/**
 * `monta-auth credentials`: every credential of `MONTA_CREDENTIALS` (SPEC section 12) with its
 * name, client id and the scopes `/consumers/me` says it has; never a secret.
 */
import * as Command from "@effect/cli/Command"
import type { Me } from "@monta-auth/schema"
import * as Array from "effect/Array"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { CommandFailed } from "../CommandFailed.js"
import { ExitCode } from "../ExitCode.js"
import { connection, describeConfigError, fromFlagOrEnv, json, loadAuth } from "./connection.js"
import { toCommandFailed, usage } from "./failure.js"
import * as Style from "./style.js"

interface Listed {
  readonly name: string
  readonly clientId: string
  readonly result: Either.Either<Me, CommandFailed>
}

const shortFailure = (failure: CommandFailed): string =>
  failure.exitCode === ExitCode.CredentialsRefused
    ? "credentials refused"
    : failure.exitCode === ExitCode.Unavailable
    ? "API unreachable or failing"
    : "failed"

const toJson = ({ clientId, name, result }: Listed) =>
  Either.match(result, {
    onLeft: (failure) => ({ name, clientId, error: failure.reason, exitCode: failure.exitCode }),
    onRight: (me) => ({
      name,
      clientId,
      scopes: me.scopes,
      ...(me.unrecognizedScopes.length === 0 ? {} : { unrecognizedScopes: me.unrecognizedScopes })
    })
  })

const toRow = ({ clientId, name, result }: Listed): ReadonlyArray<string> => [
  name,
  clientId,
  Either.match(result, {
    onLeft: (failure) => `${Style.red("✗")} ${shortFailure(failure)}`,
    onRight: (me) =>
      [
        me.scopes.length === 0 ? Style.dim("none") : me.scopes.join(", "),
        ...(me.unrecognizedScopes.length === 0 ? [] : [
          Style.dim(`(not understood: ${me.unrecognizedScopes.join(", ")})`)
        ])
      ].join(" ")
  })
]

const { baseUrl, timeout, tokenCache } = connection

/** @internal */
export const credentials = Command.make(
  "credentials",
  { baseUrl, tokenCache, timeout, json },
  (options) =>
    Effect.gen(function*() {
      if (options.timeout < 1) return yield* usage("--timeout must be at least 1 second")
      const { MontaCredentials, NodeFileSystem, NodeHttpClient, TokenStore } = yield* loadAuth
      const config = yield* MontaCredentials.config.pipe(
        Effect.mapError((error) => usage(describeConfigError(undefined, "MONTA_<NAME>_")(error)))
      )
      const base = Option.getOrElse(yield* fromFlagOrEnv(options.baseUrl, "MONTA_BASE_URL"), () => config.baseUrl)
        .replace(/\/+$/, "")
      const cache = Option.getOrUndefined(yield* fromFlagOrEnv(options.tokenCache, "MONTA_TOKEN_CACHE"))
      const store = cache === undefined
        ? TokenStore.layerMemory
        : TokenStore.layerFileSystem(cache).pipe(Layer.provide(NodeFileSystem.layer))
      const layer = MontaCredentials.layerWithStore({
        credentials: config.credentials,
        baseUrl: base,
        requestTimeout: Duration.seconds(Math.min(10, options.timeout)),
        retry: { maxElapsed: Duration.seconds(options.timeout) },
        // A command that lists and exits keeps nothing fresh in the background.
        refreshIdle: false
      }).pipe(Layer.provide(Layer.merge(store, NodeHttpClient.layerUndici)))

      const listed = yield* Effect.gen(function*() {
        const service = yield* MontaCredentials
        const described = yield* service.describe
        // Each credential on its own: one refused or unreachable does not hide the others.
        return yield* Effect.forEach(described, ({ clientId, name }) =>
          Effect.flatMap(service.get(name), (auth) =>
            auth.me).pipe(
              Effect.mapError(toCommandFailed({ baseUrl: base, clientId, tokenCache: cache })),
              Effect.timeoutFail({
                duration: Duration.seconds(options.timeout),
                onTimeout: () =>
                  new CommandFailed({
                    exitCode: ExitCode.Unavailable,
                    reason: `no answer from ${base} within --timeout ${options.timeout} s`
                  })
              }),
              Effect.either,
              Effect.map((result): Listed => ({ name, clientId, result }))
            ), { concurrency: "unbounded" })
      }).pipe(
        Effect.provide(layer),
        Effect.mapError(toCommandFailed({ baseUrl: base, clientId: "", tokenCache: cache }))
      )

      yield* Console.log(
        options.json
          ? JSON.stringify(listed.map(toJson))
          : Style.columns([["Name", "Client id", "Scopes"], ...listed.map(toRow)])
      )
      // The list is printed whatever happened; the exit code is the first failure's, in the
      // order of MONTA_CREDENTIALS, and stderr names every failed credential.
      const failed = Array.filterMap(listed, ({ name, result }) =>
        Either.match(result, {
          onLeft: (failure) =>
            Option.some({ name, failure }),
          onRight: () =>
            Option.none()
        }))
      if (Array.isNonEmptyReadonlyArray(failed)) {
        return yield* new CommandFailed({
          exitCode: failed[0].failure.exitCode,
          reason: failed.map(({ failure, name }) => `credential ${name}: ${failure.reason}`).join("; ")
        })
      }
    })
).pipe(
  Command.withDescription(
    "List the credentials of MONTA_CREDENTIALS (MONTA_<NAME>_CLIENT_ID and MONTA_<NAME>_CLIENT_SECRET each): " +
      "name, client id and the scopes /consumers/me gives each (never a secret)."
  )
)
