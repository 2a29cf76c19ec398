import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import type { AuthEvent } from "../AuthEvent.js"
import type { TokenResponse } from "../MontaAuthApi.js"
import type { AuthEndpoint } from "../MontaError.js"
import type { StoredToken } from "../TokenStore.js"

/** The resolution of the HTTP `Date` header (whole seconds). */
const dateHeaderPrecisionMillis = 1_000

/** A pair as it will be stored, before the store's version is known. */
export type Unversioned = Omit<StoredToken, "version">

/** What anchoring found: the pair, and why the server's `Date` was not trusted, if it was not. */
export interface Anchored {
  readonly token: Unversioned
  readonly ignored: Omit<Extract<AuthEvent, { readonly _tag: "DateHeaderIgnored" }>, "_tag"> | undefined
}

/**
 * L9: expiry anchored to the server's `Date` header, or to the local send time. The header has
 * whole seconds, so the server's time was anywhere in [date, date + 1 s): anchoring at the end of
 * that second never makes a lifetime longer than the server meant (at worst 1 s shorter).
 * L14: the header is trusted only when it gives the access token a lifetime in (0, the refresh
 * token's lifetime as seen from here]; a `Date` of 1970 or of ten years ahead is ignored.
 *
 * @internal
 */
export const anchor = (clientId: string, response: TokenResponse, endpoint: AuthEndpoint): Anchored => {
  const accessAt = DateTime.toEpochMillis(response.pair.accessTokenExpirationDate)
  const refreshAt = DateTime.toEpochMillis(response.pair.refreshTokenExpirationDate)
  let ignored: Anchored["ignored"] = undefined
  const origin = Option.match(response.serverDate, {
    onNone: () => response.sentAt,
    onSome: (date) => {
      const serverAnchor = DateTime.toEpochMillis(date) + dateHeaderPrecisionMillis
      const lifetime = accessAt - serverAnchor
      const refreshLifetime = Math.max(refreshAt - response.sentAt, accessAt - response.sentAt)
      if (lifetime > 0 && lifetime <= refreshLifetime) return serverAnchor
      ignored = {
        endpoint,
        serverDate: DateTime.toEpochMillis(date),
        reason: lifetime <= 0
          ? "the token would already be expired by the server's Date"
          : "the token would outlive its refresh token by the server's Date"
      }
      return response.sentAt
    }
  })
  return {
    token: {
      clientId,
      pair: response.pair,
      accessExpiresAt: response.sentAt + (accessAt - origin),
      refreshExpiresAt: response.sentAt + (refreshAt - origin),
      obtainedAt: response.sentAt
    },
    ignored
  }
}
