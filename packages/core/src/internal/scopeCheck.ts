import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { grants, type Me, requiredScope } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { MontaAuthService } from "../MontaAuth.js"
import { InsufficientScope, type TokenError } from "../MontaError.js"

/** Whether a URL names its scheme (is absolute). @internal */
export const isAbsolute = (url: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(url)

/**
 * The path of a request's URL below the base URL, without its query (a relative URL is such a
 * path already); `undefined` for a URL elsewhere.
 *
 * @internal
 */
export const pathBelow = (url: string, baseUrl: string): string | undefined => {
  if (!isAbsolute(url)) return (url.startsWith("/") ? url : `/${url}`).split("?")[0]
  return url.startsWith(`${baseUrl}/`) ? url.slice(baseUrl.length).split("?")[0] : undefined
}

/**
 * H7: the endpoint's required scope (the provider's table) against the credential's, before
 * anything is sent or any budget taken. Refused only when sure: an endpoint the table does not
 * know, scopes the grammar does not know, or a failed consumer lookup let the server decide. The
 * consumer is remembered per token version, so the check costs a table lookup and a clock read
 * once it is known. `undefined` when the check is off.
 *
 * @internal
 */
export const scopeCheck = (
  auth: MontaAuthService,
  baseUrl: string,
  mode: "enforce" | "warn" | "off"
):
  | ((request: HttpClientRequest.HttpClientRequest) => Effect.Effect<void, InsufficientScope | TokenError>)
  | undefined =>
{
  if (mode === "off") return undefined
  let known: { readonly version: number; readonly me: Me | undefined } | undefined
  const credentialScopes = Effect.flatMap(
    auth.current,
    (current) =>
      known !== undefined && known.version === current.version
        ? Effect.succeed(known.me)
        : Effect.map(Effect.option(auth.me), (me) => {
          const found = Option.getOrUndefined(me)
          known = { version: current.version, me: found }
          return found
        })
  )
  return (request) => {
    const path = pathBelow(request.url, baseUrl) ?? ""
    const required = requiredScope(request.method, path)
    if (required === undefined) return Effect.void
    return Effect.flatMap(credentialScopes, (me): Effect.Effect<void, InsufficientScope> => {
      if (me === undefined || me.unrecognizedScopes.length > 0 || grants(me.scopes, required)) return Effect.void
      const error = new InsufficientScope({ required: [required], granted: me.scopes, method: request.method, path })
      return mode === "enforce" ? Effect.fail(error) : Effect.logWarning(`monta-auth: ${error.message}`)
    })
  }
}
