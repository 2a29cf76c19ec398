import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { requiredScope } from "@monta-auth/schema"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as RcMap from "effect/RcMap"
import type * as Scope from "effect/Scope"
import { MontaAuthEvents } from "../AuthEvent.js"
import { MontaAuth } from "../MontaAuth.js"
import { MontaCredentials, type MontaCredentialsService } from "../MontaCredentials.js"
import { InsufficientScope } from "../MontaError.js"
import type { CredentialsClientOptions, MontaHttpClientError } from "../MontaHttpClient.js"
import { MontaRateLimiter, MontaRateLimiterStore } from "../MontaRateLimiter.js"
import * as internalHttp from "./montaHttpClient.js"
import * as internalLimiter from "./montaRateLimiter.js"
import { pathBelow } from "./scopeCheck.js"

/** The credential named for a request or a region of code (C3). @internal */
export const currentCredential: FiberRef.FiberRef<string | undefined> = globalValue(
  Symbol.for("@monta-auth/core/MontaHttpClient/currentCredential"),
  () => FiberRef.unsafeMake<string | undefined>(undefined)
)

/**
 * C3: an `HttpClient` that sends each request with the credential it names
 * (`MontaHttpClient.withCredential`), else with the least-privileged one whose scopes grant the
 * endpoint's required scope (the provider's table), else (an endpoint outside the table) with
 * `defaultCredential` or the first one declared. Each credential has a `MontaHttpClient` of its
 * own (its rate budget, H7 check and retries), built on first use and released when idle.
 *
 * @internal
 */
export const make = (
  options: CredentialsClientOptions | undefined
): Effect.Effect<
  HttpClient.HttpClient.With<MontaHttpClientError>,
  never,
  MontaCredentials | MontaRateLimiterStore | HttpClient.HttpClient | Scope.Scope
> =>
  Effect.gen(function*() {
    const credentials: MontaCredentialsService = yield* MontaCredentials
    const limiterStore = yield* MontaRateLimiterStore
    const http = yield* HttpClient.HttpClient
    const baseUrl = credentials.baseUrl.replace(/\/+$/, "")

    const clients = yield* RcMap.make({
      lookup: (name: string) =>
        Effect.gen(function*() {
          const auth = yield* credentials.get(name)
          const hub = yield* credentials.hub(name)
          const limiter = yield* internalLimiter.makeForAuth(options, auth, limiterStore).pipe(
            Effect.provideService(MontaAuthEvents, hub)
          )
          return yield* internalHttp.make(options).pipe(
            Effect.provideService(MontaAuth, auth),
            Effect.provideService(MontaRateLimiter, limiter),
            Effect.provideService(HttpClient.HttpClient, http)
          )
        }),
      idleTimeToLive: options?.idleTimeToLive ?? "10 minutes"
    })

    const chosen = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.gen(function*() {
        const named = yield* FiberRef.get(currentCredential)
        if (named !== undefined) return named
        const path = pathBelow(request.url, baseUrl)
        const scope = path === undefined ? undefined : requiredScope(request.method, path)
        if (scope === undefined) {
          if (options?.defaultCredential !== undefined) return options.defaultCredential
          const names = yield* credentials.names
          return names[0] ?? ""
        }
        const auth = yield* credentials.forScope(scope).pipe(
          Effect.catchTag("InsufficientScope", (error) =>
            Effect.fail(
              new InsufficientScope({ required: error.required, granted: error.granted, method: request.method, path })
            ))
        )
        return auth.name
      })

    return HttpClient.makeWith<never, never, MontaHttpClientError, never>(
      (prepared) =>
        Effect.flatMap(prepared, (request) =>
          Effect.flatMap(chosen(request), (name) =>
            Effect.scoped(Effect.flatMap(RcMap.get(clients, name), (client) =>
              client.execute(request))))),
      Effect.succeed
    )
  })
