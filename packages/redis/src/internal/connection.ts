import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { Redis } from "ioredis"

/**
 * Redis keeps its TTLs (`PX`) on the wall clock, so every wait that races a Redis TTL (command
 * timeouts, lease renewal, the polling fallback) runs on the live clock, even when the program
 * itself runs on `TestClock`. Token expiries stay on the program's `Clock`.
 */
export const liveClock: Clock.Clock = Clock.make()

/** @internal */
export interface ConnectionOptions {
  readonly url: string
  readonly commandTimeout: Duration.Duration
  readonly connectTimeout: Duration.Duration
}

/** @internal */
export const describeCause = (cause: unknown): string =>
  cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "unknown Redis error"

/**
 * A Redis URL for logs: scheme, host, port and database only. ioredis takes a password in the
 * userinfo (`redis://:pw@host`, `redis://user:pw@host`) and in the query (`?password=pw`), so
 * both are dropped whole, never shown.
 *
 * @internal
 */
export const safeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    const hidden = parsed.username !== "" || parsed.password !== "" || parsed.search !== ""
    const path = parsed.pathname === "/" ? "" : parsed.pathname
    return `${parsed.protocol}//${parsed.host}${path}${hidden ? " (credentials not shown)" : ""}`
  } catch {
    return "(unparsable Redis URL)"
  }
}

/**
 * One ioredis client and the way to run commands on it.
 *
 * @internal
 */
export interface Connection<E> {
  readonly redis: Redis
  /**
   * Runs one Redis command with a bounded wait (F5): a down or slow Redis fails fast with the
   * error of the connection, it never hangs. A timeout or a lost connection reports Redis
   * unavailable (once per outage); the next command that succeeds reports it back.
   */
  readonly run: <A>(operation: string, run: () => Promise<A>) => Effect.Effect<A, E>
}

/**
 * What a connection is for: `commands` clients fail fast while disconnected
 * (`enableOfflineQueue: false`, one retry per request); `subscriber` clients queue their commands
 * (ioredis re-subscribes after a reconnect). `name` says which store it serves, in the logs.
 *
 * @internal
 */
export interface ClientRole {
  readonly kind: "commands" | "subscriber"
  readonly name: string
}

/**
 * Opens an ioredis client in the scope (closed with `QUIT`, or dropped when Redis is gone), and
 * logs loudly when Redis goes away (a lost connection, a command that times out, a first
 * connection that does not come within `connectTimeout`) and when it is back (F5): one line each
 * per outage, whichever way it is noticed.
 *
 * @internal
 */
export const makeClient = <E>(
  options: ConnectionOptions,
  role: ClientRole,
  fail: (operation: string, detail: string) => E
): Effect.Effect<Connection<E>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const fork = (effect: Effect.Effect<void>) => void Runtime.runFork(runtime)(effect)
    const where = `Redis ${safeUrl(options.url)} (${role.name})`
    let started = false
    let down = false
    const reportDown = (detail: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (down) return Effect.void
        down = true
        return Effect.logError(
          `monta-auth: ${where} unavailable${
            started ? "" : " at start"
          }: ${detail}; this instance runs on its local state (token in memory, budget counted here) until Redis is back`
        )
      })
    const reportBack: Effect.Effect<void> = Effect.suspend(() => {
      if (!down) return Effect.void
      down = false
      return Effect.logWarning(`monta-auth: ${where} is back; rejoining the fleet`)
    })
    const isSubscriber = role.kind === "subscriber"
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const client = new Redis(options.url, {
          lazyConnect: false,
          connectTimeout: Duration.toMillis(options.connectTimeout),
          enableOfflineQueue: isSubscriber,
          maxRetriesPerRequest: isSubscriber ? null : 1,
          commandTimeout: isSubscriber ? undefined : Duration.toMillis(options.commandTimeout),
          retryStrategy: (attempt) => Math.min(attempt * 100, 2000)
        })
        client.on("ready", () => {
          started = true
          fork(reportBack)
        })
        client.on("error", (error: unknown) => fork(reportDown(`Redis: ${describeCause(error)}`)))
        return client
      }),
      (client) =>
        // QUIT when connected (bounded: a release runs uninterruptibly, so the wait itself is made
        // interruptible for the timeout); a client that is not connected is just dropped.
        (client.status === "ready"
          ? Effect.interruptible(Effect.promise(() => client.quit().then(() => undefined, () => undefined)))
          : Effect.void).pipe(
            Effect.timeout(options.commandTimeout),
            Effect.withClock(liveClock),
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => client.disconnect()))
          )
    )
    // Wait (bounded) for the first connection, so the first commands do not fail for nothing.
    yield* Effect.async<void>((resume) => {
      if (redis.status === "ready") return resume(Effect.void)
      const onReady = () => resume(Effect.void)
      redis.once("ready", onReady)
      return Effect.sync(() => redis.off("ready", onReady))
    }).pipe(
      Effect.timeoutFail({ duration: options.connectTimeout, onTimeout: () => undefined }),
      Effect.withClock(liveClock),
      Effect.catchAll(() =>
        reportDown(
          `not reachable within ${Duration.format(options.connectTimeout)} (ioredis keeps reconnecting)`
        )
      )
    )
    const timedOut = `Redis did not answer within ${Duration.format(options.commandTimeout)}`
    // ioredis's own `commandTimeout` (the same duration) may reject first: the same timeout.
    const isTimeout = (cause: unknown) => cause instanceof Error && cause.message === "Command timed out"
    const run = <A>(operation: string, command: () => Promise<A>): Effect.Effect<A, E> =>
      // Interruptible even inside a finalizer (a lease release), so the timeout always applies.
      Effect.interruptible(Effect.tryPromise({ try: command, catch: (cause) => Option.some(cause) })).pipe(
        Effect.timeoutFail({ duration: options.commandTimeout, onTimeout: () => Option.none<unknown>() }),
        Effect.withClock(liveClock),
        Effect.matchEffect({
          onSuccess: (value) => down ? Effect.as(reportBack, value) : Effect.succeed(value),
          onFailure: (cause) => {
            if (Option.isNone(cause) || isTimeout(cause.value)) {
              return Effect.zipRight(reportDown(timedOut), Effect.fail(fail(operation, timedOut)))
            }
            const detail = `Redis: ${describeCause(cause.value)}`
            // An error on a live connection (a script error, say) is not an outage.
            return redis.status === "ready"
              ? Effect.fail(fail(operation, detail))
              : Effect.zipRight(reportDown(detail), Effect.fail(fail(operation, detail)))
          }
        })
      )
    return { redis, run }
  })
