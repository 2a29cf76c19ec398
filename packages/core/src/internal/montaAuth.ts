import type * as HttpClient from "@effect/platform/HttpClient"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { AuthEvent, MontaAuthEvents } from "../AuthEvent.js"
import type { CurrentToken, MontaAuthOptions, MontaAuthService } from "../MontaAuth.js"
import {
  InvalidCredentials,
  InvalidOptions,
  type MalformedResponse,
  MontaAuthClosed,
  type TokenError
} from "../MontaError.js"
import { type StoredToken, TokenStore } from "../TokenStore.js"
import { forClient } from "./authMetrics.js"
import { currentOf, marginFor as boundedMargin, millis, retrySchedule, validateCredential } from "./authOptions.js"
import { ExpiredIssued, retrying } from "./authRetry.js"
import * as internalMe from "./me.js"
import * as internalApi from "./montaAuthApi.js"
import * as refreshLoop from "./refreshLoop.js"
import * as internalRotation from "./rotation.js"

/**
 * A token counts as expired this long before its (server-anchored) expiry, so a request sent with
 * it still arrives while it is valid.
 */
const expirySkewMillis = 1_000

/** What a rotation must end with: a token that is valid, or one outside the refresh margin. */
type Wanted = "valid" | "fresh"

/** The mutable state of one `MontaAuth`: what it holds, who waits, and whether it is closed. */
interface TokenState {
  token: StoredToken | undefined
  /** `token`'s access token and `current` answer as finished `Exit`s, built once per token (L2). */
  accessExit: Exit.Exit<Redacted.Redacted<string>> | undefined
  currentExit: Exit.Exit<CurrentToken> | undefined
  /** The highest version this instance held, kept after `invalidate` (L10); 0 for none. */
  lastVersion: number
  coolDown: { readonly until: number; readonly error: InvalidCredentials } | undefined
  inflight: Deferred.Deferred<StoredToken, TokenError> | undefined
  /** Completed (and replaced) whenever the token changes: wakes the refresh fiber. */
  changed: Deferred.Deferred<void>
  waiting: number
  /** Set when the layer's scope closes: every later caller fails at once with `MontaAuthClosed`. */
  closed: MontaAuthClosed | undefined
}

/** @internal */
export const make = (
  options: MontaAuthOptions,
  /** The name of the credential under `MontaCredentials` (C1): a label of every metric; `null`: none. */
  credential?: string | null
): Effect.Effect<
  MontaAuthService,
  InvalidOptions | TokenError,
  HttpClient.HttpClient | TokenStore | Scope.Scope
> =>
  Effect.gen(function*() {
    yield* validateCredential(options)
    const clientId = options.clientId
    const refreshMargin = millis(options.refreshMargin ?? "5 minutes")
    const coolDownMillis = millis(options.invalidCredentialsCoolDown ?? "30 seconds")
    // The collaborators the type names: the API on the program's HttpClient, built from these
    // options alone, the TokenStore and the event hub of the context.
    const api = yield* internalApi.make({
      baseUrl: options.baseUrl ?? "https://partner-api.monta.com/api/v1",
      requestTimeout: options.requestTimeout,
      allowInsecure: options.allowInsecure
    })
    const store = yield* TokenStore
    const { events, publish } = yield* MontaAuthEvents
    const clock = yield* Effect.clock
    const metrics = forClient(clientId, credential)
    const schedule = retrySchedule(options.retry)
    const state: TokenState = {
      token: undefined,
      accessExit: undefined,
      currentExit: undefined,
      lastVersion: 0,
      coolDown: undefined,
      inflight: undefined,
      changed: Deferred.unsafeMake<void>(FiberId.none),
      waiting: 0,
      closed: undefined
    }

    // L14: after the scope closes nothing can rotate; callers (waiting ones too) get a typed error.
    // Rotations run in a child scope made before this finalizer, so it runs first (finalizers run
    // in reverse) and waiting callers see `MontaAuthClosed` rather than the rotation's interruption.
    const rotations = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        const closed = new MontaAuthClosed({ clientId })
        state.closed = closed
        state.token = undefined
        state.accessExit = undefined
        state.currentExit = undefined
        const inflight = state.inflight
        state.inflight = undefined
        if (inflight !== undefined) Deferred.unsafeDone(inflight, Exit.fail(closed))
      })
    )

    const signalChange = () => {
      const previous = state.changed
      state.changed = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(previous, Exit.void)
    }

    // A margin as long as the token's life would refresh without pause: then half the life, said once.
    let marginWarned = false
    const marginFor = boundedMargin(refreshMargin)
    const isValid = (token: StoredToken, now: number) => now < token.accessExpiresAt - expirySkewMillis
    const isFresh = (token: StoredToken, now: number) => now < token.accessExpiresAt - marginFor(token)

    const install = (token: StoredToken, how: internalRotation.RotationKind): Effect.Effect<void> =>
      Effect.suspend(() => {
        const held = state.token
        if (held !== undefined && held.version > token.version) return Effect.void
        state.token = token
        state.accessExit = Exit.succeed(token.pair.accessToken)
        state.currentExit = Exit.succeed(currentOf(token))
        state.lastVersion = Math.max(token.version, state.lastVersion)
        state.coolDown = undefined
        signalChange()
        publish(AuthEvent[how]({ expiresAt: token.accessExpiresAt, version: token.version }))
        const now = clock.unsafeCurrentTimeMillis()
        const warn = !marginWarned && marginFor(token) !== refreshMargin
        marginWarned ||= warn
        return Effect.zipRight(
          warn
            ? Effect.logWarning(
              `monta-auth: refreshMargin (${Duration.format(refreshMargin)}) is not shorter than the token's life (${
                Duration.format(token.accessExpiresAt - token.obtainedAt)
              }); refreshing at half its life instead`
            )
            : Effect.void,
          metrics.setExpiry((token.accessExpiresAt - now) / 1000)
        )
      })

    const rotate = internalRotation.make({ clientId, clientSecret: options.clientSecret, api, store, metrics, publish })

    // L8: a refusal of the credentials fails fast for everyone until the cool-down ends.
    const credentialsRejected = (status: number, errorCode?: string, serverMessage?: string) =>
      Effect.suspend(() => {
        const until = clock.unsafeCurrentTimeMillis() + coolDownMillis
        const error = new InvalidCredentials({
          clientId,
          status,
          ...(errorCode !== undefined ? { errorCode } : {}),
          ...(serverMessage !== undefined ? { serverMessage } : {}),
          coolDownUntil: until
        })
        state.coolDown = { until, error }
        publish(AuthEvent.CredentialsRejected({ status, coolDownUntil: until }))
        return Effect.fail(error)
      })

    // One attempt: a rotation, then the pair it ends with installed (or, when the server issued an
    // already expired token, its version remembered so the next attempt refreshes it).
    const attempt = (wanted: Wanted) =>
      Effect.suspend(() =>
        rotate({
          seen: state.lastVersion,
          held: state.token,
          acceptable: (token) => {
            const now = clock.unsafeCurrentTimeMillis()
            return wanted === "valid" ? isValid(token, now) : isFresh(token, now)
          }
        })
      ).pipe(
        Effect.catchTag(
          "AuthEndpointRejected",
          (rejected) => credentialsRejected(rejected.status, rejected.errorCode, rejected.serverMessage)
        ),
        Effect.flatMap(({ endpoint, how, token }) => {
          if (isValid(token, clock.unsafeCurrentTimeMillis())) return Effect.as(install(token, how), token)
          state.lastVersion = Math.max(token.version, state.lastVersion)
          return Effect.fail(new ExpiredIssued({ endpoint: endpoint ?? "/auth/token" }))
        })
      )
    const retryingWithEvents = retrying(schedule, publish)

    // The waiting gauge counts callers as they join a flight and drops to zero when it settles
    // (every waiter is answered then); a waiter interrupted earlier is counted until then. One
    // counter per flight rather than a finalizer per waiter: 10 000 waiters pay no `ensuring`.
    const awaitFlight = (deferred: Deferred.Deferred<StoredToken, TokenError>) =>
      Effect.suspend(() => {
        state.waiting++
        metrics.setWaiting(state.waiting)
        return Deferred.await(deferred)
      })

    // L3: one rotation at a time, forked into the layer's scope so an interrupted caller does not
    // cancel it for the others.
    const singleFlight = (wanted: Wanted): Effect.Effect<StoredToken, TokenError> =>
      Effect.suspend(() => {
        if (state.closed !== undefined) return Effect.fail(state.closed)
        if (state.inflight !== undefined) return awaitFlight(state.inflight)
        const deferred = Deferred.unsafeMake<StoredToken, TokenError>(FiberId.none)
        state.inflight = deferred
        const run = retryingWithEvents<StoredToken, InvalidCredentials | MalformedResponse>(attempt(wanted)).pipe(
          Effect.withSpan(
            state.token === undefined && state.lastVersion === 0 ? "MontaAuth.acquire" : "MontaAuth.refresh",
            {
              kind: "internal",
              attributes: {
                "monta.client_id": clientId,
                "monta.wanted": wanted,
                "monta.seen_version": state.lastVersion
              }
            }
          ),
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              if (state.inflight === deferred) state.inflight = undefined
              state.waiting = 0
              metrics.setWaiting(0)
              return Deferred.done(deferred, exit)
            })
          )
        )
        return Effect.zipRight(Effect.forkIn(run, rotations), awaitFlight(deferred))
      })

    // A valid pair: the one held, or the outcome of a rotation (failing fast in a cool-down).
    const validStored: Effect.Effect<StoredToken, TokenError> = Effect.suspend(() => {
      if (state.closed !== undefined) return Effect.fail(state.closed)
      const now = clock.unsafeCurrentTimeMillis()
      const token = state.token
      if (token !== undefined && isValid(token, now)) return Effect.succeed(token)
      const coolDown = state.coolDown
      if (coolDown !== undefined && now < coolDown.until) return Effect.fail(coolDown.error)
      return singleFlight("valid")
    })

    // L2: one read of the state, one read of the Clock. While the token is valid the answer is the
    // `Exit` built when the token was installed (an `Exit` is an `Effect` that is already done);
    // otherwise the slow path, which may wait for a rotation.
    const isCurrentValid = (): boolean => {
      const token = state.token
      return token !== undefined && clock.unsafeCurrentTimeMillis() < token.accessExpiresAt - expirySkewMillis
    }
    const slowAccessToken = Effect.map(validStored, (token) => token.pair.accessToken)
    const accessToken: Effect.Effect<Redacted.Redacted<string>, TokenError> = Effect.suspend(() =>
      isCurrentValid() ? state.accessExit! : slowAccessToken
    )
    const slowCurrent = Effect.map(validStored, currentOf)
    const current: Effect.Effect<CurrentToken, TokenError> = Effect.suspend(() =>
      isCurrentValid() ? state.currentExit! : slowCurrent
    )

    const invalidate = (token?: Redacted.Redacted<string>): Effect.Effect<void> =>
      Effect.sync(() => {
        const held = state.token
        if (held === undefined) return
        if (token !== undefined && Redacted.value(token) !== Redacted.value(held.pair.accessToken)) return
        state.token = undefined
        state.accessExit = undefined
        state.currentExit = undefined
        signalChange()
        publish(AuthEvent.Invalidated({ version: held.version }))
      })

    const { me, requireScope } = yield* internalMe.make({
      clientId,
      api,
      stored: validStored,
      invalidate,
      retrying: retrying(schedule, undefined),
      endpoint: options.consumerEndpoint ?? "/consumers/me"
    })

    yield* Effect.forkScoped(refreshLoop.run({
      marginFor,
      jitter: millis(options.jitter ?? "30 seconds"),
      view: () => ({ token: state.token, changed: state.changed, coolDownUntil: state.coolDown?.until }),
      refresh: singleFlight("fresh")
    }))

    if (options.eager === true) {
      yield* validStored
    }

    return { clientId, baseUrl: api.baseUrl, accessToken, current, invalidate, me, requireScope, events }
  })
