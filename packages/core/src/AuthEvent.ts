/**
 * What happened to a credential's token (L12), and the hub MontaAuth and the rate limiter built on
 * it report into. Events never carry a token or a secret.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * What happened to the token, for programs that observe without logs (L12). Events never carry
 * a token or a secret.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthEvent = Data.TaggedEnum<{
  /** A new pair from `/auth/token`. */
  Acquired: { readonly expiresAt: number; readonly version: number }
  /** A rotated pair from `/auth/refresh`. */
  Refreshed: { readonly expiresAt: number; readonly version: number }
  /** A pair written by another instance or a previous run was taken from the store. */
  Adopted: { readonly expiresAt: number; readonly version: number }
  /**
   * An attempt to get a pair failed; `retryIn` says when the next one runs, if any. `endpoint`
   * tells which: `/auth/token` when logging in with the credentials (the first acquisition, or
   * after a fallback), `/auth/refresh` when rotating the pair.
   */
  RefreshFailed: {
    readonly endpoint: "/auth/token" | "/auth/refresh"
    readonly reason: string
    readonly attempt: number
    readonly retryIn: Duration.Duration | undefined
  }
  /** `/auth/refresh` was refused or the refresh token had expired: going back to `/auth/token`. */
  FellBack: { readonly reason: string }
  /** The current token was dropped by `invalidate`. */
  Invalidated: { readonly version: number }
  /** `/auth/token` refused the credentials; callers fail fast until `coolDownUntil`. */
  CredentialsRejected: { readonly status: number; readonly coolDownUntil: number }
  /** Every caller pauses until `until` (epoch milliseconds) because the rate budget is spent. */
  RateLimitPaused: { readonly until: number; readonly reason: string }
  /** The token store failed; the token lives in memory until it is back. */
  StoreUnavailable: { readonly operation: string; readonly detail: string }
  /**
   * The response's `Date` header disagreed wildly with the token's own dates, so its expiry was
   * anchored to the local send time instead (L9, L14).
   */
  DateHeaderIgnored: { readonly endpoint: string; readonly serverDate: number; readonly reason: string }
}>

/**
 * Constructors and matchers for `AuthEvent`.
 *
 * @since 0.1.0
 * @category models
 */
export const AuthEvent = Data.taggedEnum<AuthEvent>()

const makeHub: Effect.Effect<AuthEventHub, never, Scope.Scope> = Effect.gen(function*() {
  const pubsub = yield* PubSub.unbounded<AuthEvent>()
  yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
  return {
    publish: (event) => {
      pubsub.unsafeOffer(event)
    },
    events: Stream.fromPubSub(pubsub)
  }
})

/**
 * An event hub: where events are published once, and read by every subscriber.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthEventHub {
  /** Publishes an event to every subscriber of `events` (never blocks, never fails). */
  readonly publish: (event: AuthEvent) => void
  /** Every event published from the moment of subscription. */
  readonly events: Stream.Stream<AuthEvent>
}

/** Publishes nowhere: the hub of a context without a `MontaAuth` layer. */
const silent: AuthEventHub = { publish: () => undefined, events: Stream.empty }

/**
 * The event hub of the `MontaAuth` in context: `MontaAuth.layer` provides it beside `MontaAuth`,
 * and the rate limiter built on that `MontaAuth` reports its pauses into it, so `MontaAuth.events`
 * tells all. Each event is published once, by the service that saw it happen. Observation only:
 * where no `MontaAuth` layer provided one (a `MontaAuth` of one's own), the default hub is silent
 * and nothing else changes.
 *
 * @since 0.1.0
 * @category services
 */
export class MontaAuthEvents extends Context.Reference<MontaAuthEvents>()("@monta-auth/core/MontaAuthEvents", {
  defaultValue: () => silent
}) {
  /** Builds a hub, shut down with the scope. */
  static readonly make: Effect.Effect<AuthEventHub, never, Scope.Scope> = makeHub
  /** A hub of its own. */
  static readonly layer: Layer.Layer<MontaAuthEvents> = Layer.scoped(MontaAuthEvents, makeHub)
}
