import { type Me, missingScopes, type Scope } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { ConsumerEndpoint, MontaAuthApiService } from "../MontaAuthApi.js"
import {
  type AuthEndpointFailed,
  AuthEndpointRejected,
  InsufficientScope,
  MontaApiError,
  type TokenError
} from "../MontaError.js"
import type { StoredToken } from "../TokenStore.js"
import type { retrying } from "./authRetry.js"

export interface MeDeps {
  readonly clientId: string
  readonly api: MontaAuthApiService
  /** The current pair (waiting for a rotation when there is none). */
  readonly stored: Effect.Effect<StoredToken, TokenError>
  readonly invalidate: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  readonly retrying: ReturnType<typeof retrying>
  /** Where the consumer is asked for; `/consumers/me` falls back to `/auth/me` on a 404. */
  readonly endpoint: ConsumerEndpoint
}

/**
 * L11: the credential's consumer, asked once per token version from `/consumers/me`; when that
 * answers 404 the deprecated `/auth/me` is asked instead, and from then on (remembered). A 401 for
 * a token that is still current invalidates it and asks once more with the next one. Concurrent
 * callers take turns, so the ones after the first find the cached answer.
 *
 * @internal
 */
export const make = (deps: MeDeps) =>
  Effect.gen(function*() {
    const { api } = deps
    let endpoint = deps.endpoint
    let cached: { readonly version: number; readonly me: Me } | undefined
    const lock = yield* Effect.makeSemaphore(1)

    const ask = (token: StoredToken) =>
      api.me(token.pair.accessToken, endpoint).pipe(
        Effect.catchIf(
          (error) => error._tag === "AuthEndpointFailed" && error.status === 404 && endpoint === "/consumers/me",
          () =>
            Effect.suspend(() => {
              endpoint = "/auth/me"
              return Effect.zipRight(
                Effect.logInfo("monta-auth: /consumers/me answered 404; asking the deprecated /auth/me from now on"),
                api.me(token.pair.accessToken, endpoint)
              )
            })
        ),
        // Not there at all: a final answer (a MontaApiError below), not a transient failure.
        Effect.catchIf(
          (error): error is AuthEndpointFailed => error._tag === "AuthEndpointFailed" && error.status === 404,
          (error) =>
            Effect.fail(
              new AuthEndpointRejected({
                endpoint: error.endpoint,
                status: 404,
                ...(error.errorCode !== undefined ? { errorCode: error.errorCode } : {})
              })
            )
        )
      )

    const fetch = (token: StoredToken) =>
      deps.retrying(ask(token)).pipe(
        Effect.mapError((error) =>
          error._tag === "AuthEndpointRejected"
            ? new MontaApiError({
              status: error.status,
              ...(error.errorCode !== undefined ? { errorCode: error.errorCode } : {}),
              ...(error.serverMessage !== undefined ? { serverMessage: error.serverMessage } : {}),
              method: "GET",
              url: `${api.baseUrl}${error.endpoint}`
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
