import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type { CurrentToken, MontaAuthOptions, RetryInput } from "../MontaAuth.js"
import { InvalidOptions } from "../MontaError.js"
import type { StoredToken } from "../TokenStore.js"
import { policy, resolveLimits } from "./retryPolicy.js"

/** @internal */
export const currentOf = (token: StoredToken): CurrentToken => ({
  accessToken: token.pair.accessToken,
  expiresAt: token.accessExpiresAt,
  version: token.version
})

/** @internal */
export const millis = (input: Duration.DurationInput) => Duration.toMillis(Duration.decode(input))

/** A client id or secret that is empty or padded with white space fails at once, naming the option. */
/** @internal */
export const validateCredential = (
  options: Pick<MontaAuthOptions, "clientId" | "clientSecret">
): Effect.Effect<void, InvalidOptions> => {
  const problem = "must be non-empty, without leading or trailing white space (the value is not shown)"
  const clean = (value: string) => value.length > 0 && value.trim() === value
  if (!clean(options.clientId)) return Effect.fail(new InvalidOptions({ option: "clientId", problem }))
  if (!clean(Redacted.value(options.clientSecret))) {
    return Effect.fail(new InvalidOptions({ option: "clientSecret", problem }))
  }
  return Effect.void
}

/** L7: the user's Schedule, or ours from the retry options. */
/** @internal */
export const retrySchedule = (retry: MontaAuthOptions["retry"]): Schedule.Schedule<unknown, RetryInput> =>
  Schedule.isSchedule(retry) ? retry as Schedule.Schedule<unknown, RetryInput> : policy(resolveLimits(retry, Infinity))
