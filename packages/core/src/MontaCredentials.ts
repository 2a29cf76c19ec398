/**
 * `MontaCredentials`: several credentials in one program (SPEC section 12, C1-C5). Each named
 * credential has its own token lifecycle (a `MontaAuth` service), store key and rate budget; a
 * request goes with the least-privileged credential that may make it.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type { Scope } from "@monta-auth/schema"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope_ from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { AuthEvent, AuthEventHub } from "./AuthEvent.js"
import * as internal from "./internal/credentials.js"
import * as internalConfig from "./internal/credentialsConfig.js"
import type { MontaAuthOptions, MontaAuthService } from "./MontaAuth.js"
import type { InsufficientScope, InvalidOptions, MontaApiError, TokenError, UnknownCredential } from "./MontaError.js"
import { TokenStore } from "./TokenStore.js"

/**
 * A custom app's client id and secret (the client-credentials grant, SPEC section 1). `scopes`,
 * when given, are what the credential is known to grant, so `forScope` can choose without asking
 * `/consumers/me`; otherwise they are learned from it on first need and remembered.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientCredential {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly scopes?: ReadonlyArray<Scope> | undefined
}

/**
 * A credential `MontaCredentials` can hold. Today the client-credentials grant only; the per-install
 * OAuth grants of partner apps, once Monta documents them, become another member of this union
 * (their grant is read in one internal module, `credentialGrant`).
 *
 * @since 0.1.0
 * @category models
 */
export type Credential = ClientCredential

/**
 * Options of `MontaCredentials.layer`: the credentials by name (their order is the declaration
 * order of C2's tie-break) and the `MontaAuth` options they share.
 *
 * @since 0.1.0
 * @category models
 */
export interface MontaCredentialsOptions extends Omit<MontaAuthOptions, "clientId" | "clientSecret" | "eager"> {
  readonly credentials: Readonly<Record<string, Credential>>
  /**
   * How long a credential nobody uses keeps its `MontaAuth` (and its refresh fiber) before it is
   * released; it is rebuilt on use, from the store while the stored pair is valid. Default 10
   * minutes.
   */
  readonly idleTimeToLive?: Duration.DurationInput | undefined
  /**
   * C5: keep the pairs of released credentials fresh from one scheduler fiber, so a credential
   * used again after a long pause has a valid token at once. Default true; `false` refreshes an
   * idle credential on its next use instead (no requests while idle).
   */
  readonly refreshIdle?: boolean | undefined
  /**
   * How the metrics of SPEC section 9 are labelled: `"name"` (default) by `client_id` and
   * `credential`, one series per credential; `"none"`: series shared by every credential. Each
   * series lives as long as the process (Effect's metric registry keeps it), about 650 bytes, four
   * per credential: with many thousands of credentials, or credentials added and removed all the
   * time, `"none"` keeps memory flat (and a metrics backend's cardinality low).
   */
  readonly metricLabels?: "name" | "none" | undefined
}

/**
 * A credential's `MontaAuth` service, with the credential's name.
 *
 * @since 0.1.0
 * @category models
 */
export interface NamedMontaAuth extends MontaAuthService {
  readonly name: string
}

/**
 * What `MontaCredentials.describe` says of one credential (never its secret).
 *
 * @since 0.1.0
 * @category models
 */
export interface CredentialInfo {
  readonly name: string
  readonly clientId: string
  /** The scopes it grants, when known (declared, or learned from `/consumers/me`). */
  readonly scopes: ReadonlyArray<Scope> | undefined
}

/**
 * An event of one credential, labelled by its name.
 *
 * @since 0.1.0
 * @category models
 */
export interface CredentialEvent {
  readonly name: string
  readonly event: AuthEvent
}

/**
 * The MontaCredentials service.
 *
 * @since 0.1.0
 * @category services
 */
export interface MontaCredentialsService {
  /** The base URL every credential's requests go to, without a trailing slash. */
  readonly baseUrl: string
  /** That credential's `MontaAuth` service (it stays usable across idle release and rebuild). */
  readonly get: (name: string) => Effect.Effect<NamedMontaAuth, UnknownCredential>
  /**
   * C2: the least-privileged credential granting `scope`: fewest scopes held, then declaration
   * order. Scopes not declared are learned from `/consumers/me` (once per credential); a
   * credential whose lookup fails is passed over. `InsufficientScope` when none grants it.
   */
  readonly forScope: (
    scope: Scope
  ) => Effect.Effect<NamedMontaAuth, InsufficientScope | TokenError | MontaApiError>
  /** Adds a credential at run time; `InvalidOptions` for a name already held or a bad credential. */
  readonly add: (name: string, credential: Credential) => Effect.Effect<void, InvalidOptions>
  /**
   * Drops a credential: its `MontaAuth` closes (callers holding it get `MontaAuthClosed`). Its
   * stored pair stays in the store, where other instances may still use it.
   */
  readonly remove: (name: string) => Effect.Effect<void, UnknownCredential>
  /** The names, in declaration order. */
  readonly names: Effect.Effect<ReadonlyArray<string>>
  /** Name, client id and known scopes of every credential, in declaration order. */
  readonly describe: Effect.Effect<ReadonlyArray<CredentialInfo>>
  /** The events of every credential, each with its credential's name. */
  readonly events: Stream.Stream<CredentialEvent>
  /**
   * The event hub of one credential: its `events`, and where a service working for it (its rate
   * limiter under `MontaHttpClient.layerCredentials`) publishes, labelled by its name.
   */
  readonly hub: (name: string) => Effect.Effect<AuthEventHub, UnknownCredential>
}

/**
 * The MontaCredentials service tag.
 *
 * @example
 * ```ts
 * import { MontaCredentials } from "@monta-auth/core"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer, Redacted } from "effect"
 *
 * const CredentialsLive = MontaCredentials.layer({
 *   credentials: {
 *     reader: { clientId: "dashboards", clientSecret: Redacted.make("s3cret-r") },
 *     writer: { clientId: "charging", clientSecret: Redacted.make("s3cret-w") }
 *   }
 * }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * const program = Effect.gen(function*() {
 *   const credentials = yield* MontaCredentials
 *   const writer = yield* credentials.forScope("charges:write")
 *   const token = yield* writer.accessToken
 * })
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class MontaCredentials extends Context.Tag("@monta-auth/core/MontaCredentials")<
  MontaCredentials,
  MontaCredentialsService
>() {
  /**
   * Builds the service in the current scope on the `TokenStore` of the context (one store for all,
   * keyed by client id). No network I/O until a credential is used.
   *
   * @since 0.1.0
   * @category constructors
   */
  static make(
    options: MontaCredentialsOptions
  ): Effect.Effect<MontaCredentialsService, InvalidOptions, HttpClient.HttpClient | TokenStore | Scope_.Scope> {
    return internal.make(options)
  }

  /**
   * The service as a layer needing only an `HttpClient`, with a token store of its own in memory.
   *
   * @since 0.1.0
   * @category layers
   */
  static layer(
    options: MontaCredentialsOptions
  ): Layer.Layer<MontaCredentials, InvalidOptions, HttpClient.HttpClient> {
    return MontaCredentials.layerWithStore(options).pipe(
      Layer.provide(Layer.effect(TokenStore, TokenStore.makeMemory))
    )
  }

  /**
   * The service on the `TokenStore` its type requires (file, Redis for a fleet: C4, one's own).
   *
   * @since 0.1.0
   * @category layers
   */
  static layerWithStore(
    options: MontaCredentialsOptions
  ): Layer.Layer<MontaCredentials, InvalidOptions, HttpClient.HttpClient | TokenStore> {
    return Layer.scoped(MontaCredentials, internal.make(options))
  }

  /**
   * The credentials from configuration: `MONTA_CREDENTIALS` lists the names in order
   * (`reader,writer`), and each name `NAME` has `MONTA_<NAME>_CLIENT_ID`,
   * `MONTA_<NAME>_CLIENT_SECRET` and optionally `MONTA_<NAME>_SCOPES` (comma-separated), `<NAME>`
   * upper-cased with every other character than a letter or digit as `_`. `MONTA_BASE_URL` as for
   * `MontaAuth.layerConfig`. A token store of its own in memory.
   *
   * @since 0.1.0
   * @category layers
   */
  static layerConfig(
    options: Omit<MontaCredentialsOptions, "credentials" | "baseUrl"> = {}
  ): Layer.Layer<MontaCredentials, ConfigError.ConfigError | InvalidOptions, HttpClient.HttpClient> {
    return Layer.scoped(
      MontaCredentials,
      Effect.flatMap(MontaCredentials.config, (config) => internal.make({ ...options, ...config }))
    ).pipe(Layer.provide(Layer.effect(TokenStore, TokenStore.makeMemory)))
  }

  /**
   * The credentials and base URL read from the configuration (the variables of `layerConfig`).
   *
   * @since 0.1.0
   * @category config
   */
  static get config(): Effect.Effect<
    { readonly credentials: Readonly<Record<string, Credential>>; readonly baseUrl: string },
    ConfigError.ConfigError
  > {
    return internalConfig.config
  }

  /**
   * The variable prefix of a credential's name in the configuration: `reader` is `MONTA_READER_`.
   *
   * @since 0.1.0
   * @category config
   */
  static readonly variablePrefix: (name: string) => string = internalConfig.variablePrefix
}

/**
 * `Config` of one credential from `MONTA_<NAME>_CLIENT_ID`, `MONTA_<NAME>_CLIENT_SECRET` and
 * `MONTA_<NAME>_SCOPES` (for the CLI's `--credential NAME`).
 *
 * @since 0.1.0
 * @category config
 */
export const credentialConfig: (name: string) => Config.Config<Credential> = internalConfig.credential
