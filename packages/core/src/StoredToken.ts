/**
 * The token pair as a store keeps it: the pair, its expiries on this host's clock, and a version.
 *
 * @since 0.1.0
 */
import { TokenPair } from "@monta-auth/schema"
import * as Schema from "effect/Schema"

/**
 * A token pair as stored: the pair, its expiries anchored to this host's clock (L9), and a
 * version that grows by one on every rotation (F1).
 *
 * @since 0.1.0
 * @category models
 */
export class StoredToken extends Schema.Class<StoredToken>("@monta-auth/core/StoredToken")({
  clientId: Schema.String,
  pair: TokenPair,
  /** When the access token expires, epoch milliseconds on the Effect `Clock`, server-anchored. */
  accessExpiresAt: Schema.Number,
  /** When the refresh token expires, epoch milliseconds on the Effect `Clock`, server-anchored. */
  refreshExpiresAt: Schema.Number,
  /** When the pair was obtained, epoch milliseconds on the Effect `Clock`. */
  obtainedAt: Schema.Number,
  /** Grows by one each time a new pair replaces the old one for this clientId. */
  version: Schema.Int
}) {}

/**
 * The encoded (JSON) form of a `StoredToken`; it holds the tokens in clear, so stores that write
 * it somewhere must protect it (file mode 0600, encryption at rest).
 *
 * @since 0.1.0
 * @category models
 */
export type StoredTokenJson = typeof StoredToken.Encoded
