import { TokenStoreError } from "@monta-auth/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
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
 * Runs one Redis command with a bounded wait (F5): a down or slow Redis fails fast with the
 * error `fail` builds, it never hangs.
 *
 * @internal
 */
export const commandWith = <E>(fail: (operation: string, detail: string) => E) =>
<A>(
  operation: string,
  timeout: Duration.Duration,
  run: () => Promise<A>
): Effect.Effect<A, E> =>
  // Interruptible even inside a finalizer (a lease release), so the timeout always applies.
  Effect.interruptible(Effect.tryPromise({
    try: run,
    catch: (cause) => fail(operation, `Redis: ${describeCause(cause)}`)
  })).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => fail(operation, `Redis did not answer within ${Duration.format(timeout)}`)
    }),
    Effect.withClock(liveClock)
  )

/**
 * `commandWith` failing with core's `TokenStoreError`.
 *
 * @internal
 */
export const command = commandWith((operation, detail) => new TokenStoreError({ operation, detail }))

/** Hides credentials of a Redis URL for logs. */
const safeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "(unparsable Redis URL)"
  }
}

/**
 * Opens an ioredis client in the scope (closed with `QUIT`, or dropped when Redis is gone), and
 * logs loudly when Redis goes away and when it is back (F5). `subscriber` clients queue their
 * commands while disconnected (ioredis re-subscribes after a reconnect); command clients fail
 * fast instead (`enableOfflineQueue: false`, one retry per request).
 *
 * @internal
 */
export const makeClient = (
  options: ConnectionOptions,
  role: "commands" | "subscriber"
): Effect.Effect<Redis, never, Scope.Scope> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const log = (effect: Effect.Effect<void>) => Runtime.runFork(runtime)(effect)
    const where = safeUrl(options.url)
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const redis = new Redis(options.url, {
          lazyConnect: false,
          connectTimeout: Duration.toMillis(options.connectTimeout),
          enableOfflineQueue: role === "subscriber",
          maxRetriesPerRequest: role === "subscriber" ? null : 1,
          commandTimeout: role === "subscriber" ? undefined : Duration.toMillis(options.commandTimeout),
          retryStrategy: (attempt) => Math.min(attempt * 100, 2000)
        })
        let up = false
        let reported = false
        redis.on("ready", () => {
          if (reported) {
            log(Effect.logWarning(`monta-auth: Redis ${where} (${role}) is back; rejoining the fleet`))
          }
          up = true
          reported = false
        })
        redis.on("error", (error: unknown) => {
          if (!reported) {
            reported = true
            log(
              Effect.logError(
                `monta-auth: Redis ${where} (${role}) unavailable${up ? "" : " at start"}: ${
                  describeCause(error)
                }; each instance keeps its token in memory until Redis is back`
              )
            )
          }
          up = false
        })
        return redis
      }),
      (redis) =>
        // QUIT when connected (bounded: a release runs uninterruptibly, so the wait itself is made
        // interruptible for the timeout); a client that is not connected is just dropped.
        (redis.status === "ready"
          ? Effect.interruptible(Effect.promise(() => redis.quit().then(() => undefined, () => undefined)))
          : Effect.void).pipe(
            Effect.timeout(options.commandTimeout),
            Effect.withClock(liveClock),
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => redis.disconnect()))
          )
    )
    // Wait (bounded) for the first connection, so the first commands do not fail for nothing.
    yield* Effect.async<void>((resume) => {
      if (client.status === "ready") return resume(Effect.void)
      const onReady = () => resume(Effect.void)
      client.once("ready", onReady)
      return Effect.sync(() => client.off("ready", onReady))
    }).pipe(
      Effect.timeout(options.connectTimeout),
      Effect.withClock(liveClock),
      Effect.catchAll(() =>
        Effect.logError(
          `monta-auth: Redis ${where} (${role}) not reachable within ${
            Duration.format(options.connectTimeout)
          }; starting on local state, ioredis keeps reconnecting`
        )
      )
    )
    return client
  })
