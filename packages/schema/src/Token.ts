/**
 * The payloads of `POST /auth/token` and `POST /auth/refresh`. Secrets and tokens are `Redacted`
 * from the moment they are decoded, so printing, logging or serializing a value never shows one.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { MontaDateTime } from "./MontaDateTime.js"

/**
 * The longest access or refresh token that decodes: 16 KiB (16 384 characters). Monta's tokens
 * are UUID-like today and a signed JWT with many claims stays under a few KiB, so a longer one is a
 * broken or hostile server; refusing it keeps a megabyte "token" out of memory, stores and every
 * request header (H9, L14). The auth endpoints then fail with `MalformedResponse`.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxTokenLength = 16 * 1024

// A secret or a token: `Redacted` once decoded. A value that does not decode may still be the
// secret in the wrong shape (`["s3cr3t"]`, `{ "value": "s3cr3t" }`), so the message never shows it.
const NonEmptySecret = Schema.NonEmptyString.annotations({
  message: () => ({
    message: "Expected a non-empty string (the value is not shown: it may be a secret)",
    override: true
  })
})
const Secret = Schema.Redacted(NonEmptySecret)

// A token: a secret of at most `maxTokenLength` characters (the message says the length, never the value).
const Token = Schema.Redacted(
  NonEmptySecret.pipe(
    Schema.maxLength(maxTokenLength, {
      message: (issue) => ({
        message: `Expected a token of at most ${maxTokenLength} characters, got ${
          typeof issue.actual === "string" ? issue.actual.length : "more"
        } (the value is not shown: it may be a secret)`,
        override: true
      })
    })
  )
)

// A body that is not an object at all may be a bare token: say what was expected, not what came.
// (Only for that case: the failures of single fields keep their own messages.)
const notAnObject = (fields: string) =>
  [undefined, undefined, {
    message: () => `Expected an object { ${fields} } (the value is not shown: it may be a secret)`
  }] as const

/**
 * The body of `POST /auth/token`: the credential, with its secret redacted.
 *
 * @since 0.1.0
 * @category schemas
 */
export class TokenRequest extends Schema.Class<TokenRequest>("@monta-auth/schema/TokenRequest")({
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Secret
}, notAnObject("clientId, clientSecret")) {}

/**
 * The body of `POST /auth/refresh`.
 *
 * @since 0.1.0
 * @category schemas
 */
export class RefreshRequest extends Schema.Class<RefreshRequest>("@monta-auth/schema/RefreshRequest")({
  refreshToken: Token
}, notAnObject("refreshToken")) {}

/**
 * What `POST /auth/token` and `POST /auth/refresh` return: an access token and a refresh token
 * (both opaque, both redacted) with their expiration dates, decoded by `MontaDateTime` (to the
 * millisecond: digits past the third fractional one are dropped). A token longer than
 * `maxTokenLength` (16 KiB) does not decode.
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
  accessToken: Token,
  refreshToken: Token,
  accessTokenExpirationDate: MontaDateTime,
  refreshTokenExpirationDate: MontaDateTime
}, notAnObject("accessToken, refreshToken, accessTokenExpirationDate, refreshTokenExpirationDate")) {}
