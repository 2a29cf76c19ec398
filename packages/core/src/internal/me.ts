import { type Me, missingScopes, type Scope } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { MontaAuthApiService } from "../MontaAuthApi.js"
import { InsufficientScope, MontaApiError, type TokenError } from "../MontaError.js"
import type { StoredToken } from "../TokenStore.js"
import type { retrying } from "./authRetry.js"

export interface MeDeps {
  readonly clientId: string
  readonly api: MontaAuthApiService
  /** The current pair (waiting for a rotation when there is none). */
  readonly stored: Effect.Effect<StoredToken, TokenError>
  readonly invalidate: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  readonly retrying: ReturnType<typeof retrying>
}

/**
 * L11: the credential's consumer, asked once per token version; a 401 for a token that is still
 * current invalidates it and asks once more with the next one. Concurrent callers take turns, so
 * the ones after the first find the cached answer.
 *
 * @internal
 */
export const make = (deps: MeDeps) =>
  Effect.gen(function*() {
    const { api } = deps
    let cached: { readonly version: number; readonly me: Me } | undefined
    const lock = yield* Effect.makeSemaphore(1)

    const fetch = (token: StoredToken) =>
      deps.retrying(api.me(token.pair.accessToken)).pipe(
        Effect.mapError((error) =>
          error._tag === "AuthEndpointRejected"
            ? new MontaApiError({
              status: error.status,
              ...(error.errorCode !== undefined ? { errorCode: error.errorCode } : {}),
              ...(error.serverMessage !== undefined ? { serverMessage: error.serverMessage } : {}),
              method: "GET",
              url: `${api.baseUrl}/auth/me`
            })
            : error
        ),
        Effect.tap((me) =>
          Effect.sync(() => {
            if (cached === undefined || cached.version <= token.version) cached = { version: token.version, me }
          })
        )
      )

    const forToken = (token: StoredToken) =>
      cached !== undefined && cached.version === token.version
        ? Effect.succeed(cached.me)
        : lock.withPermits(1)(
          Effect.suspend(() =>
            cached !== undefined && cached.version === token.version ? Effect.succeed(cached.me) : fetch(token)
          )
        )

    const me: Effect.Effect<Me, TokenError | MontaApiError> = Effect.flatMap(deps.stored, (token) =>
      forToken(token).pipe(
        Effect.catchIf(
          (error) => error._tag === "MontaApiError" && error.status === 401,
          () => Effect.zipRight(deps.invalidate(token.pair.accessToken), Effect.flatMap(deps.stored, fetch))
        )
      )).pipe(Effect.withSpan("MontaAuth.me", { kind: "internal", attributes: { "monta.client_id": deps.clientId } }))

    const requireScope = (...scopes: ReadonlyArray<Scope>) =>
      Effect.flatMap(me, (credential) => {
        const missing = missingScopes(credential.scopes, scopes)
        return missing.length === 0 ?
          Effect.void :
          Effect.fail(new InsufficientScope({ required: missing, granted: credential.scopes }))
      })

    return { me, requireScope }
  })
