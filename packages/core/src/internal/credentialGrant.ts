import * as Effect from "effect/Effect"
import type { MontaAuthOptions } from "../MontaAuth.js"
import type { Credential } from "../MontaCredentials.js"
import { InvalidOptions } from "../MontaError.js"
import { validateCredential } from "./authOptions.js"

// The one module that reads a credential's grant (SPEC section 12: room for per-install OAuth
// grants). Everything else of MontaCredentials sees a name, a store key and `MontaAuth` options.
// A new kind of credential adds its case here (and, for its token request, to the rotation).

/** The store and rate-budget key of a credential (C4: per client id). @internal */
export const keyOf = (credential: Credential): string => credential.clientId

/** The `MontaAuth` options that name the credential's grant. @internal */
export const authOptionsOf = (credential: Credential): Pick<MontaAuthOptions, "clientId" | "clientSecret"> => ({
  clientId: credential.clientId,
  clientSecret: credential.clientSecret
})

/** A usable name and a clean credential, or `InvalidOptions` naming which (never the secret). @internal */
export const validate = (name: string, credential: Credential): Effect.Effect<void, InvalidOptions> =>
  name.length === 0 || name.trim() !== name
    ? Effect.fail(
      new InvalidOptions({
        option: "credentials",
        problem: `the name "${name}" must be non-empty, without leading or trailing white space`
      })
    )
    : Effect.mapError(
      validateCredential(authOptionsOf(credential)),
      (error) => new InvalidOptions({ option: `credentials.${name}.${error.option}`, problem: error.problem })
    )
