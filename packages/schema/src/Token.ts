/**
 * The payloads of `POST /auth/token` and `POST /auth/refresh`. Secrets and tokens are `Redacted`
 * from the moment they are decoded, so printing, logging or serializing a value never shows one.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { MontaDateTime } from "./MontaDateTime.js"

/**
 * The body of `POST /auth/token`: the credential, with its secret redacted.
 *
 * @since 0.1.0
 * @category schemas
 */
export class TokenRequest extends Schema.Class<TokenRequest>("@monta-auth/schema/TokenRequest")({
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString)
}) {}

/**
 * The body of `POST /auth/refresh`.
 *
 * @since 0.1.0
 * @category schemas
 */
export class RefreshRequest extends Schema.Class<RefreshRequest>("@monta-auth/schema/RefreshRequest")({
  refreshToken: Schema.Redacted(Schema.NonEmptyString)
}) {}

/**
 * What `POST /auth/token` and `POST /auth/refresh` return: an access token and a refresh token
 * (both opaque, both redacted) with their expiration dates, decoded by `MontaDateTime` (to the
 * millisecond: digits past the third fractional one are dropped).
 *
 * @example
 * ```ts
 * import { TokenPair } from "@monta-auth/schema"
 * import { Redacted, Schema } from "effect"
 *
 * const pair = Schema.decodeUnknownSync(TokenPair)({
 *   accessToken: "4596d494-5f6c-4f87-aed5-db68240a58dd",
 *   refreshToken: "bbf8c0ed-dbb0-434f-8512-ab24eb64c46a",
 *   accessTokenExpirationDate: "2023-02-16T07:53:02.059724728Z",
 *   refreshTokenExpirationDate: "2023-02-17T06:53:02.059733860Z"
 * })
 * String(pair) // the tokens show as <redacted>
 * Redacted.value(pair.accessToken) // "4596d494-..."
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export class TokenPair extends Schema.Class<TokenPair>("@monta-auth/schema/TokenPair")({
  accessToken: Schema.Redacted(Schema.NonEmptyString),
  refreshToken: Schema.Redacted(Schema.NonEmptyString),
  accessTokenExpirationDate: MontaDateTime,
  refreshTokenExpirationDate: MontaDateTime
}) {}
