import type * as HttpClient from "@effect/platform/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { MontaFake } from "../MontaFake.js"
import type { TestAuthCore, TestAuthCredentials, TestAuthOptions } from "../TestAuth.js"
import { memoryBaseUrl } from "./request.js"
import { demoConsumer } from "./state.js"

/**
 * `MontaHttpClient.layer` on `MontaAuth.layer` on the fake's in-memory `HttpClient`, all three
 * merged, so a test has the fake's controls beside the authenticated client.
 *
 * @internal
 */
export const layerTestAuth = <Auth, A, EA, Client, H, EH>(
  fake: Layer.Layer<MontaFake | HttpClient.HttpClient>,
  core: TestAuthCore<Auth, A, EA, Client, H, EH>,
  options: TestAuthOptions<Auth, Client> | undefined
): Layer.Layer<H | A | MontaFake | HttpClient.HttpClient, EA | EH> => {
  const credentials: TestAuthCredentials = {
    clientId: options?.clientId ?? demoConsumer.clientId,
    clientSecret: Redacted.make(options?.clientSecret ?? demoConsumer.clientSecret),
    baseUrl: memoryBaseUrl,
    allowInsecure: true
  }
  // `Auth` is `MontaAuthOptions`: every field but the credentials is optional, and `auth` holds
  // only those others, so the two together are a whole `Auth` (which TypeScript cannot see).
  const auth = core.MontaAuth.layer({ ...options?.auth, ...credentials } as Auth)
  return core.MontaHttpClient.layer(options?.client).pipe(Layer.provideMerge(auth), Layer.provideMerge(fake))
}
