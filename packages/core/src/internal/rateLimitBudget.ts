import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { MontaAuthService } from "../MontaAuth.js"
import type { MontaApiError, TokenError } from "../MontaError.js"
import type * as Api from "../MontaRateLimiter.js"

/** @internal */
export const toBudget = (
  options: { readonly limit: number; readonly window: Duration.DurationInput }
): Api.RateBudget => ({
  limit: Math.max(1, Math.floor(options.limit)),
  window: Duration.decode(options.window)
})

/** R5: the provider's documented budget, "1000 calls within 600 seconds". @internal */
export const documentedBudget: Api.RateBudget = toBudget({ limit: 1000, window: Duration.seconds(600) })

/** After a failed budget lookup, the documented budget serves this long before the next try. */
const lookupRetryMillis = 60_000

/**
 * R1/R5: the budget "auto" from the consumer (`rateLimit` per `rateLimitIntervalInSeconds`), or
 * the documented one when the consumer has no rate fields (the server's `RateLimit-Quota` and
 * `RateLimit-TimeWindow` then take over as soon as a response says them).
 *
 * @internal
 */
export const budgetFromOptions = (
  rateLimit: Api.RateLimiterOptions["rateLimit"],
  auth: MontaAuthService
): Api.RateBudget | Effect.Effect<Api.RateBudget, TokenError | MontaApiError> =>
  rateLimit === undefined || rateLimit === "auto"
    ? Effect.map(auth.me, (me) =>
      me.rateLimit !== undefined && me.rateLimitIntervalInSeconds !== undefined
        ? toBudget({ limit: me.rateLimit, window: Duration.seconds(me.rateLimitIntervalInSeconds) })
        : documentedBudget)
    : toBudget(rateLimit)

/**
 * The budget of one limiter: given, or looked up once. A lookup that fails never blocks a request
 * (R5): the documented budget serves meanwhile and the lookup is tried again a minute later. A
 * quota the server states wins over a looked-up budget, and over a given one when it is smaller.
 *
 * @internal
 */
export const makeBudget = (source: Api.RateBudget | Effect.Effect<Api.RateBudget, TokenError | MontaApiError>) =>
  Effect.gen(function*() {
    const configured = Effect.isEffect(source) ? undefined : source
    let learned: Api.RateBudget | undefined = configured
    let fromServer: Api.RateBudget | undefined
    let retryLookupAt = 0
    const lookup = yield* Effect.makeSemaphore(1)
    const effective = (base: Api.RateBudget): Api.RateBudget =>
      fromServer !== undefined && (configured === undefined || fromServer.limit < base.limit) ? fromServer : base

    const find = source as Effect.Effect<Api.RateBudget, TokenError | MontaApiError>
    const budget: Effect.Effect<Api.RateBudget> = Effect.suspend(() => {
      if (learned !== undefined) return Effect.succeed(effective(learned))
      return lookup.withPermits(1)(Effect.gen(function*() {
        if (learned !== undefined) return effective(learned)
        const now = yield* Clock.currentTimeMillis
        if (now < retryLookupAt) return effective(documentedBudget)
        return yield* find.pipe(
          Effect.map((found) => {
            learned = found
            return effective(found)
          }),
          Effect.catchAll((error) =>
            Effect.as(
              Effect.logWarning(
                `monta-auth: the rate budget lookup failed (${error._tag}); using the documented 1000 per 600 s ` +
                  `and asking again in a minute`
              ).pipe(Effect.zipRight(Effect.sync(() => (retryLookupAt = now + lookupRetryMillis)))),
              effective(documentedBudget)
            )
          )
        )
      }))
    })

    return {
      budget,
      /** The budget when it is known without a lookup (the hot path), else undefined. */
      settled: (): Api.RateBudget | undefined => learned === undefined ? undefined : effective(learned),
      /** A quota and window the server stated (`RateLimit-Quota`, `RateLimit-TimeWindow`). */
      serverSaid: (quota: number, windowSeconds: number): void => {
        const server = toBudget({ limit: quota, window: Duration.seconds(windowSeconds) })
        if (fromServer === undefined || fromServer.limit !== server.limit) fromServer = server
      },
      /** The server's window, in milliseconds (0 while unknown). */
      serverWindowMillis: (): number => fromServer === undefined ? 0 : Duration.toMillis(fromServer.window)
    }
  })
