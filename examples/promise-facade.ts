/**
 * monta-auth from code that is not written with Effect: a `ManagedRuntime` holds the layers (one
 * token cache, one rate budget, the proactive refresh fiber) for as long as the client lives, and
 * three Promise methods run Effects on it. A failure rejects with the library's own typed error
 * (`MontaApiError`, `InvalidCredentials`, `RateLimited`, ...: each an `Error` with a `_tag`).
 *
 * Run it: `npx tsx examples/promise-facade.ts` (against MontaFake on localhost unless
 * MONTA_CLIENT_ID, MONTA_CLIENT_SECRET and optionally MONTA_BASE_URL are set).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Redacted } from "effect"

/** The client a Promise-based program holds. Create one per process and share it. */
export interface MontaClient {
  /** A valid access token (cached; refreshed before it expires). */
  readonly getToken: () => Promise<string>
  /** `GET <baseUrl><path>` with the bearer token and the rate budget, as parsed JSON. */
  readonly fetchJson: (path: string) => Promise<unknown>
  /** Stops the refresh fiber and releases everything; later calls reject. */
  readonly dispose: () => Promise<void>
}

/** What a Promise-based program knows: plain strings (the secret is `Redacted` from here on). */
export interface MontaClientOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** Default the production API. */
  readonly baseUrl?: string | undefined
}

/** A client on any layer that gives `MontaHttpClient` and `MontaAuth` (a test's, say). */
export const fromLayer = <E>(layer: Layer.Layer<MontaHttpClient | MontaAuth, E>): MontaClient => {
  const runtime = ManagedRuntime.make(layer)
  // Rejects with the typed error itself, not Effect's FiberFailure wrapper.
  const run = <A, E2>(effect: Effect.Effect<A, E2, MontaHttpClient | MontaAuth>): Promise<A> =>
    runtime.runPromiseExit(effect).then((exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      const error = Cause.squash(exit.cause)
      throw error instanceof Error ? error : new Error(String(error))
    })
  return {
    getToken: () => run(Effect.flatMap(MontaAuth, (auth) => Effect.map(auth.accessToken, Redacted.value))),
    fetchJson: (path) =>
      run(Effect.flatMap(MontaHttpClient, (client) => Effect.flatMap(client.get(path), (response) => response.json))),
    dispose: () => runtime.dispose()
  }
}

/** A client from credentials, on Node's HTTP client (undici). */
export const createMontaClient = (options: MontaClientOptions): MontaClient =>
  fromLayer(
    MontaHttpClient.layer().pipe(
      Layer.provideMerge(MontaAuth.layer({
        clientId: options.clientId,
        clientSecret: Redacted.make(options.clientSecret),
        baseUrl: options.baseUrl
      })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
  )

/** A client from MONTA_CLIENT_ID, MONTA_CLIENT_SECRET and MONTA_BASE_URL (the secret redacted). */
export const createMontaClientFromEnv = (): MontaClient =>
  fromLayer(MontaHttpClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici)))

// ---------------------------------------------------------------------------------------------
// The program: plain async code
// ---------------------------------------------------------------------------------------------

const main = async () => {
  const useRealApi = process.env["MONTA_CLIENT_ID"] !== undefined
  // Without credentials, MontaFake on a free localhost port stands in for the API.
  const fake = useRealApi ? undefined : ManagedRuntime.make(MontaFake.layerServer())
  const client = fake === undefined
    ? createMontaClientFromEnv()
    : createMontaClient({
      clientId: MontaFake.demoConsumer.clientId,
      clientSecret: MontaFake.demoConsumer.clientSecret,
      baseUrl: (await fake.runPromise(MontaFake)).baseUrl
    })
  try {
    const token = await client.getToken()
    console.log(`token: ${token.length} characters (not shown)`)
    console.log(`same token on the second call: ${(await client.getToken()) === token}`)
    const page = await client.fetchJson("/charge-points?page=0&perPage=5") as {
      readonly data: ReadonlyArray<{ readonly id: number; readonly name: string }>
      readonly meta: { readonly totalItemCount: number }
    }
    console.log(`charge points: ${page.meta.totalItemCount}; first: ${page.data.map((item) => item.name).join(", ")}`)
    try {
      await client.fetchJson("/charge-points/999999")
    } catch (error) {
      const tag = (error as { readonly _tag?: string })._tag
      console.log(`a missing charge point rejects with ${tag}: ${(error as Error).message}`)
    }
  } finally {
    await client.dispose()
    await fake?.dispose()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
