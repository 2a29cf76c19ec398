/**
 * The types of `MontaFake.layerTestAuth`: `MontaAuth` and `MontaHttpClient` of `@monta-auth/core`
 * on the in-memory fake in one line. This package does not depend on `@monta-auth/core` (core's
 * own tests use the fake), so the caller hands the two classes in, and their types flow through.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { MontaFake, MontaFakeOptions } from "./MontaFake.js"

/**
 * What `MontaFake.layerTestAuth` gives `MontaAuth.layer` besides `options.auth`: a consumer of the
 * fake, its base URL (`http://monta.fake/api/v1`) and `allowInsecure` (that URL is plain http).
 *
 * @since 0.1.0
 * @category models
 */
export interface TestAuthCredentials {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly allowInsecure: true
}

/**
 * The two classes of `@monta-auth/core` the layer is built from: pass `{ MontaAuth, MontaHttpClient }`.
 * Only their `layer` constructors are used.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestAuthCore<Auth, A, EA, Client, H, EH> {
  readonly MontaAuth: {
    readonly layer: (options: Auth) => Layer.Layer<A, EA, HttpClient.HttpClient>
  }
  readonly MontaHttpClient: {
    readonly layer: (options?: Client) => Layer.Layer<H, EH, NoInfer<A> | HttpClient.HttpClient>
  }
}

/**
 * Options of `MontaFake.layerTestAuth`. The consumer defaults to the fake's demo credential
 * (`demo-client-id` / `demo-client-secret`: `all:delete`, 1000 requests per 600 s); use
 * `team-client-id` / `team-client-secret`, or one of `fake.consumers`, for a restricted one.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestAuthOptions<Auth, Client> {
  /** The fake's options (consumers, token lifetimes, seed, ...). */
  readonly fake?: MontaFakeOptions | undefined
  /** Default `demo-client-id`. */
  readonly clientId?: string | undefined
  /** Default `demo-client-secret`. */
  readonly clientSecret?: string | undefined
  /** The rest of `MontaAuth.layer`'s options (`refreshMargin`, `retry`, `eager`, ...). */
  readonly auth?: NoInfer<Omit<Auth, keyof TestAuthCredentials>> | undefined
  /** `MontaHttpClient.layer`'s options (`montaVersion`, `retry`, `rateLimit`, ...). */
  readonly client?: NoInfer<Client> | undefined
}

/**
 * The signature of `MontaFake.layerTestAuth`: everything `MontaHttpClient.layer` and
 * `MontaAuth.layer` give, plus `MontaFake` and the in-memory `HttpClient` of `MontaFake.layerTest`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerTestAuth {
  <Auth, A, EA, Client, H, EH>(
    core: TestAuthCore<Auth, A, EA, Client, H, EH>,
    options?: TestAuthOptions<Auth, Client>
  ): Layer.Layer<H | A | MontaFake | HttpClient.HttpClient, EA | EH>
}
