/**
 * The provider's inconsistent scope spellings and how the endpoint table reads them. Each operation of
 * the Monta Partner API names its required scope in prose ("Required scope: `charge-points:write`");
 * a few of those strings are misspelled or incomplete. This module is the one place that says what
 * each one means.
 *
 * @since 0.1.0
 */
import { isScope, type Scope } from "./Scope.js"

/**
 * Every scope string the provider writes in its endpoint table that is not used as written: the
 * scope it stands for, or `null` where that cannot be said with certainty. An endpoint whose scope
 * is `null` has no known requirement, so a client lets the server decide (SPEC H7: refuse only when
 * sure). Found by scanning the table for strings that are not `entity:permission` and for entities
 * written both in the singular and the plural.
 *
 * @since 0.1.0
 * @category models
 */
export const ScopeSpellings: { readonly [written: string]: Scope | null } = {
  // `GET /tariff-period-groups` and `/tariff-period-groups/{id}`: the same paths' POST, PATCH and
  // DELETE say `tariffs:write` / `tariffs:delete`, and every other tariff read says `tariffs:read`.
  "tariff:read": "tariffs:read",
  // `GET /vehicles/{vehicleId}` and `/vehicles/integration/{integrationId}`: `GET /vehicles` says
  // `vehicles:read`; the entity is plural everywhere else in the API.
  "vehicle:read": "vehicles:read",
  // `DELETE /deeplinks/{deeplinkId}`: the other four deeplink operations say `deeplinks:read` or
  // `deeplinks:write`; only the plural entity exists.
  "deeplink:delete": "deeplinks:delete",
  // `POST /wallet-transactions/operator-adjustment-transaction`: every other wallet-transaction
  // operation (and the `Consumer.scopes` enum) names the entity `wallet-transactions`.
  "wallet-transaction:write": "wallet-transactions:write",
  // `PATCH /wallet-transactions/{transactionId}` (deprecated): "transaction" could be
  // `wallet-transactions` or `charge-transactions`, both real entities; not certain, so unknown.
  "transaction:write": null,
  // `GET /operators` and `/operators/{id}`: an entity with no permission. Probably `operators:read`,
  // but no source says so; unknown.
  operators: null,
  // `GET /afir/charge-points`: the provider writes "none" (no scope needed), not a scope.
  none: null
}

/**
 * The scope an endpoint needs, from the string the provider wrote: a listed spelling maps as
 * `ScopeSpellings` says, a well-formed `entity:permission` is kept, anything else (or no string at
 * all) is `undefined` (unknown: the server decides).
 *
 * @since 0.1.0
 * @category utils
 */
export const normalizeScope = (written: string | null | undefined): Scope | undefined => {
  if (written === null || written === undefined) return undefined
  if (Object.prototype.hasOwnProperty.call(ScopeSpellings, written)) return ScopeSpellings[written] ?? undefined
  return isScope(written) ? written : undefined
}
