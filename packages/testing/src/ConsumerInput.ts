/**
 * A credential MontaFake knows, as a test describes it.
 *
 * @since 0.1.0
 */
import type { Scope } from "@monta-auth/schema"

/**
 * A credential the fake knows: what `POST /auth/token` accepts and what `GET /consumers/me` (and
 * the deprecated `GET /auth/me`) report, the provider's `Consumer`. Omitted fields default to the
 * demo consumer's values (operator 42, `operatorIds` and `teamIds` empty, `all:delete`, 1000
 * requests per 600 s, created 2023-02-16). `scopes` are sent as given, so a test may add (with a
 * cast) a scope a later API could send (`"charge-points:admin"`): it grants nothing here.
 * `omitOptionalFields: true` sends only the fields the provider's schema requires (`clientId`,
 * `createdAt`, `name`, `operatorIds`, `scopes`, `teamIds`), to rehearse a consumer without
 * `operatorId` and rate fields; the fake still limits it by `rateLimit` per
 * `rateLimitIntervalInSeconds`, announced in the `RateLimit-*` headers.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConsumerInput {
  readonly clientId: string
  readonly clientSecret: string
  readonly name?: string | undefined
  readonly operatorId?: number | undefined
  readonly teamIds?: ReadonlyArray<number> | undefined
  readonly scopes?: ReadonlyArray<Scope> | undefined
  readonly rateLimit?: number | undefined
  readonly rateLimitIntervalInSeconds?: number | undefined
  /**
   * The secret the fake signs this consumer's webhook deliveries with (default
   * `<clientId>-webhook-secret`). The provider requires 16 to 191 characters; the fake takes any
   * string, so a test can replay the documented vector's `top-secret`.
   */
  readonly webhookSecret?: string | undefined
  readonly operatorIds?: ReadonlyArray<number> | undefined
  /** When the consumer was created, as the service writes dates (default `2023-02-16T07:53:02.059724728Z`). */
  readonly createdAt?: string | undefined
  /** When it last changed; `null` sends `null` (default `2023-11-02T14:21:40.512204331Z`). */
  readonly updatedAt?: string | null | undefined
  readonly omitOptionalFields?: boolean | undefined
}
