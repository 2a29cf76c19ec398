import { isScope, type Scope } from "@monta-auth/schema"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { Credential } from "../MontaCredentials.js"
import { credentialProblem, isCleanCredential } from "./authOptions.js"

// C1 from the environment. A list variable gives the names in order (C2's tie-break needs an
// order, which the environment does not have); each secret has a variable of its own (what secret
// managers inject); the one-credential `MONTA_CLIENT_ID` pair of `MontaAuth` stays as it is.

/** `reader` -> `MONTA_READER_`, `ops-eu` -> `MONTA_OPS_EU_`. @internal */
export const variablePrefix = (name: string): string => `MONTA_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`

const scopes = (variable: string): Config.Config<ReadonlyArray<Scope> | undefined> =>
  Config.string(variable).pipe(
    Config.mapOrFail((text) => {
      const list = text.split(",").map((scope) => scope.trim()).filter((scope) => scope.length > 0)
      return list.every(isScope)
        ? Either.right(list as ReadonlyArray<Scope>)
        : Either.left(
          ConfigError.InvalidData([], "must be scopes of the form entity:permission, separated by commas")
        )
    }),
    Config.option,
    Config.map((found) => found._tag === "Some" ? found.value : undefined)
  )

/** @internal */
export const credential = (name: string): Config.Config<Credential> => {
  const prefix = variablePrefix(name)
  return Config.all({
    clientId: Config.string(`${prefix}CLIENT_ID`).pipe(
      Config.validate({ message: credentialProblem, validation: isCleanCredential })
    ),
    clientSecret: Config.redacted(
      Config.string(`${prefix}CLIENT_SECRET`).pipe(
        Config.validate({ message: credentialProblem, validation: isCleanCredential })
      )
    ),
    scopes: scopes(`${prefix}SCOPES`)
  })
}

const names: Config.Config<ReadonlyArray<string>> = Config.string("MONTA_CREDENTIALS").pipe(
  Config.map((text) => text.split(",").map((name) => name.trim()).filter((name) => name.length > 0)),
  Config.validate({
    message: "must list at least one name (comma-separated), each name once and its prefix unique",
    validation: (list) =>
      list.length > 0 && new Set(list).size === list.length && new Set(list.map(variablePrefix)).size === list.length
  })
)

/** @internal */
export const config: Effect.Effect<
  { readonly credentials: Readonly<Record<string, Credential>>; readonly baseUrl: string },
  ConfigError.ConfigError
> = Effect.gen(function*() {
  const list = yield* names
  const credentials: Record<string, Credential> = {}
  for (const name of list) credentials[name] = yield* credential(name)
  const baseUrl = yield* Config.string("MONTA_BASE_URL").pipe(
    Config.withDefault("https://partner-api.monta.com/api/v1")
  )
  return { credentials, baseUrl }
})
