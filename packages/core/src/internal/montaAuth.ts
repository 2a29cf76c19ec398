import type * as HttpClient from "@effect/platform/HttpClient"
import { type Me, missingScopes, RefreshRequest, type Scope, TokenRequest } from "@monta-auth/schema"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Scope_ from "effect/Scope"
import * as Stream from "effect/Stream"
import { AuthEvent, type CurrentToken, type MontaAuthOptions, type MontaAuthService } from "../MontaAuth.js"
import type { MontaAuthApiService, TokenResponse } from "../MontaAuthApi.js"
import {
  type AuthEndpoint,
  type AuthEndpointFailed,
  type AuthEndpointRejected,
  InsufficientScope,
  InvalidCredentials,
  InvalidOptions,
  type MalformedResponse,
  MontaApiError,
  MontaAuthClosed,
  type TokenError,
  TokenRequestFailed,
  type TokenStoreError
} from "../MontaError.js"
import { StoredToken, TokenStore, type TokenStoreService } from "../TokenStore.js"
import * as internalApi from "./montaAuthApi.js"

/**
 * A token counts as expired this long before its (server-anchored) expiry, so a request sent with
 * it still arrives while it is valid.
 */
const expirySkewMillis = 1_000

/** The resolution of the HTTP `Date` header (whole seconds). */
const dateHeaderPrecisionMillis = 1_000

/** The background refresh never waits less than this between two attempts that did not help. */
const minBackgroundBackoffMillis = 1_000
const maxBackgroundBackoffMillis = 60_000

// ---------------------------------------------------------------------------------------------
// metrics (SPEC section 9)
// ---------------------------------------------------------------------------------------------

/** @internal */
export const tokenRequests = Metric.counter("monta_auth_token_requests_total", {
  description: "Requests to /auth/token and /auth/refresh, by grant and outcome"
})
/** @internal */
export const secondsUntilExpiry = Metric.gauge("monta_auth_token_seconds_until_expiry", {
  description: "Seconds until the current access token expires, as of its last change"
})
/** @internal */
export const callersWaiting = Metric.gauge("monta_auth_callers_waiting", {
  description: "Callers waiting for a token acquisition or refresh"
})
/** @internal */
export const storeErrors = Metric.counter("monta_auth_token_store_errors_total", {
  description: "Token store operations that failed"
})

// ---------------------------------------------------------------------------------------------
// internal errors of one rotation attempt
// ---------------------------------------------------------------------------------------------

/** The store holds a newer pair (F3): adopt it instead of asking Monta. */
class AdoptStored extends Data.TaggedError("AdoptStored")<{ readonly token: StoredToken }> {}

/** The server issued an access token that is already expired (by its own date). */
class ExpiredIssued extends Data.TaggedError("ExpiredIssued")<{ readonly endpoint: AuthEndpoint }> {}

type AttemptError = AuthEndpointFailed | MalformedResponse | InvalidCredentials | ExpiredIssued

type Mode = "need" | "refresh"

type How = "Acquired" | "Refreshed" | "Adopted"

interface Resolved {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly refreshMargin: number
  readonly jitter: number
  readonly baseDelay: number
  readonly maxDelay: number
  readonly maxElapsed: number
  readonly coolDown: number
}

interface State {
  token: StoredToken | undefined
  /** `token`'s access token as a finished `Exit`, built once per token for the hot path (L2). */
  accessExit: Exit.Exit<Redacted.Redacted<string>> | undefined
  /** What `current` answers for `token`, as a finished `Exit`, built once per token (L2). */
  currentExit: Exit.Exit<CurrentToken> | undefined
  /** The highest version this instance held, kept after `invalidate` (L10). */
  lastVersion: Option.Option<number>
  coolDown: { readonly until: number; readonly error: InvalidCredentials } | undefined
  inflight: Deferred.Deferred<StoredToken, TokenError> | undefined
  /** Completed (and replaced) whenever the token changes: wakes the refresh fiber. */
  changed: Deferred.Deferred<void>
  me: { readonly version: number; readonly me: Me } | undefined
  /** The version whose refresh token `/auth/refresh` refused: the next attempts use `/auth/token`. */
  deadRefreshVersion: number | undefined
  waiting: number
  /** Set when the layer's scope closes: every later caller fails at once with `MontaAuthClosed`. */
  closed: MontaAuthClosed | undefined
}

const currentOf = (token: StoredToken): CurrentToken => ({
  accessToken: token.pair.accessToken,
  expiresAt: token.accessExpiresAt,
  version: token.version
})

const millis = (input: Duration.DurationInput) => Duration.toMillis(Duration.decode(input))

const describeFailure = (error: AttemptError): string => {
  switch (error._tag) {
    case "AuthEndpointFailed":
      return `${error.endpoint} ${error.reason}${error.status !== undefined ? ` (HTTP ${error.status})` : ""}`
    case "ExpiredIssued":
      return `${error.endpoint} issued an access token that is already expired`
    case "MalformedResponse":
      return `malformed response (HTTP ${error.status}): ${error.problem}`
    case "InvalidCredentials":
      return `credentials refused (HTTP ${error.status})`
  }
}

/**
 * The event emitter of each `MontaAuth` this module built, so that the rate limiter built on it
 * can report its pauses in `events` (L12) without a public publish method.
 *
 * @internal
 */
export const emitters = new WeakMap<MontaAuthService, (event: AuthEvent) => void>()

/** A client id or secret that is empty or padded with white space fails at once, naming the option. */
const validateCredential = (options: MontaAuthOptions): Effect.Effect<void, InvalidOptions> => {
  const problem = "must be non-empty, without leading or trailing white space (the value is not shown)"
  const clean = (value: string) => value.length > 0 && value.trim() === value
  if (!clean(options.clientId)) return Effect.fail(new InvalidOptions({ option: "clientId", problem }))
  if (!clean(Redacted.value(options.clientSecret))) {
    return Effect.fail(new InvalidOptions({ option: "clientSecret", problem }))
  }
  return Effect.void
}

/** @internal */
export const make = (
  options: MontaAuthOptions
): Effect.Effect<MontaAuthService, InvalidOptions | TokenError, HttpClient.HttpClient | TokenStore | Scope_.Scope> =>
  Effect.gen(function*() {
    yield* validateCredential(options)
    const config: Resolved = {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      refreshMargin: millis(options.refreshMargin ?? "5 minutes"),
      jitter: millis(options.jitter ?? "30 seconds"),
      baseDelay: millis(options.retry?.baseDelay ?? "250 millis"),
      maxDelay: millis(options.retry?.maxDelay ?? "10 seconds"),
      maxElapsed: millis(options.retry?.maxElapsed ?? "30 seconds"),
      coolDown: millis(options.invalidCredentialsCoolDown ?? "30 seconds")
    }
    // The collaborators the type names: the API on the program's HttpClient, built from these
    // options alone, and the TokenStore of the context (`MontaAuth.layer` provides a memory one).
    const api: MontaAuthApiService = yield* internalApi.make({
      baseUrl: options.baseUrl ?? "https://partner-api.monta.com/api/v1",
      requestTimeout: options.requestTimeout,
      allowInsecure: options.allowInsecure
    })
    const store: TokenStoreService = yield* TokenStore
    const scope = yield* Effect.scope
    const clock = yield* Effect.clock
    const pubsub = yield* PubSub.unbounded<AuthEvent>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))

    const gaugeOf = (gauge: Metric.Metric.Gauge<number>) => Metric.tagged(gauge, "client_id", config.clientId)
    const counterOf = (counter: Metric.Metric.Counter<number>, tags: Record<string, string>) =>
      Metric.taggedWithLabels(
        counter,
        [["client_id", config.clientId], ...Object.entries(tags)].map(([key, value]) => MetricLabel.make(key, value))
      )
    const expiryGauge = gaugeOf(secondsUntilExpiry)
    const state: State = {
      token: undefined,
      accessExit: undefined,
      currentExit: undefined,
      lastVersion: Option.none(),
      coolDown: undefined,
      inflight: undefined,
      changed: Deferred.unsafeMake<void>(FiberId.none),
      me: undefined,
      deadRefreshVersion: undefined,
      waiting: 0,
      closed: undefined
    }
    // L14: after the scope closes nothing can rotate; callers (waiting ones too) get a typed error.
    // Rotations run in a child scope made before this finalizer, so it runs first (finalizers run
    // in reverse) and waiting callers see `MontaAuthClosed` rather than the rotation's interruption.
    const rotations = yield* Scope_.fork(scope, ExecutionStrategy.sequential)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        const closed = new MontaAuthClosed({ clientId: config.clientId })
        state.closed = closed
        state.token = undefined
        state.accessExit = undefined
        state.currentExit = undefined
        const inflight = state.inflight
        state.inflight = undefined
        if (inflight !== undefined) Deferred.unsafeDone(inflight, Exit.fail(closed))
      })
    )

    const emit = (event: AuthEvent) => {
      pubsub.unsafeOffer(event)
    }

    const signalChange = () => {
      const previous = state.changed
      state.changed = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(previous, Exit.void)
    }

    const isValid = (token: StoredToken, now: number) => now < token.accessExpiresAt - expirySkewMillis
    const isFresh = (token: StoredToken, now: number) => now < token.accessExpiresAt - config.refreshMargin

    const install = (token: StoredToken, how: How): Effect.Effect<void> =>
      Effect.suspend(() => {
        const held = state.token
        if (held !== undefined && held.version > token.version) return Effect.void
        state.token = token
        state.accessExit = Exit.succeed(token.pair.accessToken)
        state.currentExit = Exit.succeed(currentOf(token))
        state.lastVersion = Option.some(Math.max(token.version, Option.getOrElse(state.lastVersion, () => 0)))
        state.coolDown = undefined
        if (state.me !== undefined && state.me.version !== token.version) state.me = undefined
        const now = clock.unsafeCurrentTimeMillis()
        signalChange()
        emit(AuthEvent[how]({ expiresAt: token.accessExpiresAt, version: token.version }))
        return Metric.set(expiryGauge, (token.accessExpiresAt - now) / 1000)
      })

    // L9: expiry anchored to the server's Date header, or to the local send time. The header has
    // whole seconds, so the server's time was anywhere in [date, date + 1 s): anchoring at the
    // end of that second never makes a lifetime longer than the server meant (at worst 1 s shorter).
    // L14: the header is trusted only when it gives the access token a lifetime in (0, the refresh
    // token's lifetime as seen from here]; a Date of 1970 or of ten years ahead is ignored.
    const toStored = (response: TokenResponse, endpoint: AuthEndpoint): Omit<StoredToken, "version"> => {
      const accessAt = DateTime.toEpochMillis(response.pair.accessTokenExpirationDate)
      const refreshAt = DateTime.toEpochMillis(response.pair.refreshTokenExpirationDate)
      const anchor = Option.match(response.serverDate, {
        onNone: () => response.sentAt,
        onSome: (date) => {
          const serverAnchor = DateTime.toEpochMillis(date) + dateHeaderPrecisionMillis
          const lifetime = accessAt - serverAnchor
          const refreshLifetime = Math.max(refreshAt - response.sentAt, accessAt - response.sentAt)
          if (lifetime > 0 && lifetime <= refreshLifetime) return serverAnchor
          emit(AuthEvent.DateHeaderIgnored({
            endpoint,
            serverDate: DateTime.toEpochMillis(date),
            reason: lifetime <= 0
              ? "the token would already be expired by the server's Date"
              : "the token would outlive its refresh token by the server's Date"
          }))
          return response.sentAt
        }
      })
      return {
        clientId: config.clientId,
        pair: response.pair,
        accessExpiresAt: response.sentAt + (accessAt - anchor),
        refreshExpiresAt: response.sentAt + (refreshAt - anchor),
        obtainedAt: response.sentAt
      }
    }

    const countRequest =
      (grant: "client_credentials" | "refresh_token") =>
      <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.onExit(effect, (exit) => {
          let outcome = "success"
          if (Exit.isFailure(exit)) {
            const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
            outcome = failure === undefined
              ? "interrupted"
              : failure._tag === "AuthEndpointRejected"
              ? "rejected"
              : failure._tag === "MalformedResponse"
              ? "malformed"
              : "failed"
          }
          return Metric.increment(counterOf(tokenRequests, { grant, outcome }))
        })

    const requestToken: Effect.Effect<TokenResponse, AuthEndpointFailed | MalformedResponse | InvalidCredentials> = api
      .token(new TokenRequest({ clientId: config.clientId, clientSecret: config.clientSecret })).pipe(
        countRequest("client_credentials"),
        Effect.catchTag("AuthEndpointRejected", (rejected) =>
          Effect.suspend(() => {
            const until = clock.unsafeCurrentTimeMillis() + config.coolDown
            const error = new InvalidCredentials({
              clientId: config.clientId,
              status: rejected.status,
              ...(rejected.errorCode !== undefined ? { errorCode: rejected.errorCode } : {}),
              ...(rejected.serverMessage !== undefined ? { serverMessage: rejected.serverMessage } : {}),
              coolDownUntil: until
            })
            state.coolDown = { until, error }
            emit(AuthEvent.CredentialsRejected({ status: rejected.status, coolDownUntil: until }))
            return Effect.fail(error)
          }))
      )

    const requestRefresh = (latest: StoredToken) =>
      api.refresh(new RefreshRequest({ refreshToken: latest.pair.refreshToken })).pipe(countRequest("refresh_token"))

    // One rotation attempt's `refresh`: /auth/refresh with the latest refresh token when it is
    // alive, else (or when refused, F3 first) /auth/token (L6).
    const obtain = (mode: Mode, onRan: (how: How) => void) =>
    (
      latestStored: Option.Option<StoredToken>
    ): Effect.Effect<Omit<StoredToken, "version">, AttemptError | AdoptStored> =>
      Effect.gen(function*() {
        const held = state.token
        const latest = Option.match(latestStored, {
          onNone: () => held,
          onSome: (stored) => held !== undefined && held.version > stored.version ? held : stored
        })
        const now = clock.unsafeCurrentTimeMillis()
        if (latest !== undefined && latest.version !== state.deadRefreshVersion) {
          if (latest.refreshExpiresAt - expirySkewMillis > now) {
            const refreshed = yield* requestRefresh(latest).pipe(
              Effect.map(Option.some),
              Effect.catchTag("AuthEndpointRejected", (rejected) =>
                Effect.gen(function*() {
                  // F3: another instance may have rotated with this refresh token already.
                  const reread = yield* store.load(config.clientId).pipe(
                    Effect.catchAll((error) => onStoreError("load", error).pipe(Effect.as(Option.none())))
                  )
                  if (
                    Option.isSome(reread) && reread.value.version > latest.version &&
                    accept(mode)(reread.value)
                  ) {
                    return yield* new AdoptStored({ token: reread.value })
                  }
                  state.deadRefreshVersion = latest.version
                  emit(
                    AuthEvent.FellBack({ reason: `/auth/refresh refused the refresh token (HTTP ${rejected.status})` })
                  )
                  return Option.none<TokenResponse>()
                }))
            )
            if (Option.isSome(refreshed)) {
              onRan("Refreshed")
              return toStored(refreshed.value, "/auth/refresh")
            }
          } else {
            state.deadRefreshVersion = latest.version
            emit(AuthEvent.FellBack({ reason: "the refresh token expired" }))
          }
        }
        const acquired = yield* requestToken
        onRan("Acquired")
        return toStored(acquired, "/auth/token")
      })

    const accept = (mode: Mode) => (latest: StoredToken): boolean => {
      const now = clock.unsafeCurrentTimeMillis()
      return latest.clientId === config.clientId && (mode === "need" ? isValid(latest, now) : isFresh(latest, now))
    }

    const onStoreError = (operation: string, error: TokenStoreError) =>
      Effect.zipRight(
        Effect.logWarning(`monta-auth: token store ${operation} failed, keeping the token in memory: ${error.detail}`),
        Effect.sync(() => emit(AuthEvent.StoreUnavailable({ operation, detail: error.detail })))
      ).pipe(Effect.zipRight(Metric.increment(counterOf(storeErrors, { operation }))))

    // One attempt: through the store (which may adopt a newer pair or run `obtain` under its lease).
    const attempt = (mode: Mode): Effect.Effect<StoredToken, AttemptError> =>
      Effect.gen(function*() {
        const ran: { how: How } = { how: "Adopted" }
        const onRan = (how: How) => {
          ran.how = how
        }
        const seen = state.lastVersion
        const token = yield* store.rotate({
          clientId: config.clientId,
          seen,
          accept: accept(mode),
          refresh: obtain(mode, onRan)
        }).pipe(
          Effect.catchTags({
            AdoptStored: (adopt) => Effect.succeed(adopt.token),
            TokenStoreError: (error) =>
              Effect.gen(function*() {
                yield* onStoreError("rotate", error)
                const fresh = yield* obtain(mode, onRan)(Option.none()).pipe(
                  Effect.catchTag("AdoptStored", (adopt) => Effect.succeed(adopt.token))
                )
                if (fresh instanceof StoredToken) return fresh
                return new StoredToken({ ...fresh, version: Option.getOrElse(seen, () => 0) + 1 })
              })
          })
        )
        if (token.clientId !== config.clientId) {
          return yield* Effect.dieMessage("monta-auth: the token store returned a pair of another clientId")
        }
        const now = clock.unsafeCurrentTimeMillis()
        if (!isValid(token, now)) {
          // Remember the version so the next attempt refreshes it instead of re-adopting it.
          state.lastVersion = Option.some(Math.max(token.version, Option.getOrElse(state.lastVersion, () => 0)))
          return yield* new ExpiredIssued({ endpoint: ran.how === "Refreshed" ? "/auth/refresh" : "/auth/token" })
        }
        yield* install(token, ran.how)
        return token
      })

    const backoff = (attempt: number) =>
      Effect.map(Random.next, (random) => {
        const ceiling = Math.min(config.maxDelay, config.baseDelay * 2 ** (attempt - 1))
        return ceiling / 2 + random * ceiling / 2
      })

    const toRequestFailed = (error: AuthEndpointFailed | ExpiredIssued, attempts: number): TokenRequestFailed =>
      error._tag === "ExpiredIssued"
        ? new TokenRequestFailed({ endpoint: error.endpoint, reason: "ExpiredToken", attempts })
        : new TokenRequestFailed({
          endpoint: error.endpoint,
          reason: error.status === 429 ? "RateLimited" : error.reason,
          ...(error.status !== undefined ? { status: error.status } : {}),
          attempts
        })

    // L7: transient failures retry with exponential backoff and jitter, honouring the server's
    // hint, until `maxElapsed`; then (or for a failure that is not transient) a typed error.
    // `report` emits `RefreshFailed` (and `RateLimitPaused`) events for token rotations.
    const retrying = <A, E extends InvalidCredentials | MalformedResponse | AuthEndpointRejected>(
      effect: Effect.Effect<A, E | AuthEndpointFailed | ExpiredIssued>,
      report: boolean
    ): Effect.Effect<A, E | TokenRequestFailed> =>
      Effect.gen(function*() {
        const startedAt = clock.unsafeCurrentTimeMillis()
        for (let attempt = 1;; attempt++) {
          const result = yield* Effect.either(effect)
          if (result._tag === "Right") return result.right
          const error = result.left
          const transient = error._tag === "ExpiredIssued" || (error._tag === "AuthEndpointFailed" && error.transient)
          const hint = error._tag === "AuthEndpointFailed" ? error.retryAfter ?? 0 : 0
          const delay = Math.max(yield* backoff(attempt), hint)
          const now = clock.unsafeCurrentTimeMillis()
          const retry = transient && now + delay - startedAt <= config.maxElapsed
          if (report && error._tag !== "AuthEndpointRejected") {
            if (retry && error._tag === "AuthEndpointFailed" && error.status === 429) {
              emit(AuthEvent.RateLimitPaused({ until: now + delay, reason: `${error.endpoint} answered 429` }))
            }
            emit(AuthEvent.RefreshFailed({
              reason: describeFailure(error),
              attempt,
              retryIn: retry ? Duration.millis(delay) : undefined
            }))
          }
          if (!retry) {
            return yield* error._tag === "AuthEndpointFailed" || error._tag === "ExpiredIssued"
              ? Effect.fail(toRequestFailed(error, attempt))
              : Effect.fail(error)
          }
          yield* Effect.sleep(Duration.millis(delay))
        }
      })

    // The gauge is updated in place (no effect of its own): 10 000 callers at expiry each pass here.
    // Its labels are one kept array: the metric finds its hook by the array's identity, where
    // `Metric.tagged` would make a new array, and so a registry lookup, on every update.
    const waitingLabels: ReadonlyArray<MetricLabel.MetricLabel> = [MetricLabel.make("client_id", config.clientId)]
    const leaveFlight = Effect.sync(() => {
      state.waiting--
      callersWaiting.unsafeUpdate(state.waiting, waitingLabels)
    })
    const awaitFlight = (deferred: Deferred.Deferred<StoredToken, TokenError>) =>
      Effect.suspend(() => {
        state.waiting++
        callersWaiting.unsafeUpdate(state.waiting, waitingLabels)
        return Effect.ensuring(Deferred.await(deferred), leaveFlight)
      })

    // L3: one rotation at a time, forked into the layer's scope so an interrupted caller does not
    // cancel it for the others.
    const rotation = (mode: Mode): Effect.Effect<StoredToken, TokenError> =>
      Effect.suspend(() => {
        if (state.inflight !== undefined) return awaitFlight(state.inflight)
        const deferred = Deferred.unsafeMake<StoredToken, TokenError>(FiberId.none)
        state.inflight = deferred
        const span = state.token === undefined ? "MontaAuth.acquire" : "MontaAuth.refresh"
        const run = retrying(attempt(mode), true).pipe(
          Effect.withSpan(span, {
            attributes: {
              "monta.client_id": config.clientId,
              "monta.mode": mode,
              "monta.seen_version": Option.getOrElse(state.lastVersion, () => -1)
            }
          }),
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              if (state.inflight === deferred) state.inflight = undefined
              return Deferred.done(deferred, exit)
            })
          )
        )
        return Effect.zipRight(Effect.forkIn(run, rotations), awaitFlight(deferred))
      })

    const slowStored: Effect.Effect<StoredToken, TokenError> = Effect.suspend(() => {
      if (state.closed !== undefined) return Effect.fail(state.closed)
      const now = clock.unsafeCurrentTimeMillis()
      const token = state.token
      if (token !== undefined && isValid(token, now)) return Effect.succeed(token)
      const coolDown = state.coolDown
      if (coolDown !== undefined && now < coolDown.until) return Effect.fail(coolDown.error)
      return rotation("need")
    })

    // L2: one read of the state, one read of the Clock. While the token is valid the answer is the
    // `Exit` built when the token was installed (an `Exit` is an `Effect` that is already done);
    // otherwise the slow path, which may wait for a rotation.
    const isCurrentValid = (): boolean => {
      const token = state.token
      return token !== undefined && clock.unsafeCurrentTimeMillis() < token.accessExpiresAt - expirySkewMillis
    }
    const slowAccessToken = Effect.map(slowStored, (token) => token.pair.accessToken)
    const accessToken: Effect.Effect<Redacted.Redacted<string>, TokenError> = Effect.suspend(() =>
      isCurrentValid() ? state.accessExit! : slowAccessToken
    )
    const slowCurrent = Effect.map(slowStored, currentOf)
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
        state.me = undefined
        signalChange()
        emit(AuthEvent.Invalidated({ version: held.version }))
      })

    // L11: /auth/me once per token version; a 401 for a token that is still current invalidates
    // it and asks once more with the next one.
    const fetchMe = (token: StoredToken) =>
      retrying(api.me(token.pair.accessToken), false).pipe(
        Effect.mapError((error) =>
          error._tag === "AuthEndpointRejected"
            ? new MontaApiError({
              status: error.status,
              ...(error.errorCode !== undefined ? { errorCode: error.errorCode } : {}),
              ...(error.serverMessage !== undefined ? { serverMessage: error.serverMessage } : {}),
              method: "GET",
              url: `${api.baseUrl}/auth/me`
            })
            : error
        ),
        Effect.tap((me) =>
          Effect.sync(() => {
            if (state.token !== undefined && state.token.version === token.version) {
              state.me = { version: token.version, me }
            }
          })
        )
      )

    // Concurrent callers take turns, so the ones after the first find the cached answer.
    const meLock = yield* Effect.makeSemaphore(1)
    const me: Effect.Effect<Me, TokenError | MontaApiError> = Effect.gen(function*() {
      const token = yield* slowStored
      const cached = state.me
      if (cached !== undefined && cached.version === token.version) return cached.me
      return yield* meLock.withPermits(1)(Effect.suspend(() => {
        const cachedNow = state.me
        return cachedNow !== undefined && cachedNow.version === token.version
          ? Effect.succeed(cachedNow.me)
          : fetchMe(token)
      })).pipe(
        Effect.catchIf((error) => error._tag === "MontaApiError" && error.status === 401, () =>
          Effect.gen(function*() {
            yield* invalidate(token.pair.accessToken)
            const next = yield* slowStored
            return yield* fetchMe(next)
          }))
      )
    }).pipe(Effect.withSpan("MontaAuth.me", { attributes: { "monta.client_id": config.clientId } }))

    const requireScope = (...scopes: ReadonlyArray<Scope>) =>
      Effect.flatMap(me, (credential) => {
        const missing = missingScopes(credential.scopes, scopes)
        return missing.length === 0 ?
          Effect.void :
          Effect.fail(new InsufficientScope({ required: missing, granted: credential.scopes }))
      })

    // L4: the proactive refresh fiber. It sleeps until `expiry - margin - jitter`, wakes early when
    // the token changes, refreshes through the single flight and survives every failure.
    const refreshLoop = Effect.gen(function*() {
      let failures = 0
      while (true) {
        const changed = state.changed
        const token = state.token
        if (token === undefined) {
          yield* Deferred.await(changed)
          continue
        }
        const jitter = config.jitter > 0 ? yield* Random.nextRange(0, config.jitter) : 0
        const now = clock.unsafeCurrentTimeMillis()
        let wait = token.accessExpiresAt - config.refreshMargin - jitter - now
        if (failures > 0) {
          // After a failed round (which already retried for up to `maxElapsed`) or a token that is
          // born inside the margin: 1 s, 2 s, 4 s ... up to a minute, jittered.
          const ceiling = Math.min(maxBackgroundBackoffMillis, minBackgroundBackoffMillis * 2 ** (failures - 1))
          const delay = ceiling / 2 + (yield* Random.next) * ceiling / 2
          wait = Math.max(wait, minBackgroundBackoffMillis, delay)
        }
        const coolDown = state.coolDown
        if (coolDown !== undefined) wait = Math.max(wait, coolDown.until - now)
        if (wait > 0) {
          const woken = yield* Effect.raceFirst(
            Effect.as(Effect.sleep(Duration.millis(wait)), false),
            Effect.as(Deferred.await(changed), true)
          )
          if (woken) continue
        }
        const exit = yield* Effect.exit(rotation("refresh"))
        if (Exit.isSuccess(exit)) {
          const fresh = isFresh(exit.value, clock.unsafeCurrentTimeMillis())
          failures = fresh ? 0 : failures + 1
        } else {
          failures++
          yield* Effect.logDebug("monta-auth: background refresh failed; the current token is served while valid")
        }
      }
    }).pipe(
      Effect.catchAllCause((cause) => Effect.logError("monta-auth: token refresh fiber restarts", cause)),
      Effect.forever
    )
    yield* Effect.forkScoped(refreshLoop)

    if (options.eager === true) {
      yield* slowStored
    }

    const service: MontaAuthService = {
      clientId: config.clientId,
      baseUrl: api.baseUrl,
      accessToken,
      current,
      invalidate,
      me,
      requireScope,
      events: Stream.fromPubSub(pubsub)
    }
    emitters.set(service, emit)
    return service
  })
