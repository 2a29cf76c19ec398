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

/** What a client id or secret must be (SPEC section 11: bad config names the variable). @internal */
export const credentialProblem = "must be non-empty, without leading or trailing white space (the value is not shown)"

/** Non-empty and not padded with white space: a padded value is refused rather than trimmed. @internal */
export const isCleanCredential = (value: string): boolean => value.length > 0 && value.trim() === value

/** A client id or secret that is empty or padded with white space fails at once, naming the option. */
/** @internal */
export const validateCredential = (
  options: Pick<MontaAuthOptions, "clientId" | "clientSecret">
): Effect.Effect<void, InvalidOptions> => {
  if (!isCleanCredential(options.clientId)) {
    return Effect.fail(new InvalidOptions({ option: "clientId", problem: credentialProblem }))
  }
  if (!isCleanCredential(Redacted.value(options.clientSecret))) {
    return Effect.fail(new InvalidOptions({ option: "clientSecret", problem: credentialProblem }))
  }
  return Effect.void
}

/**
 * The refresh margin for a token (L4): the configured one, or half the token's life when the
 * margin is not shorter than it (else a refresh would follow every refresh). @internal
 */
export const marginFor = (refreshMargin: number) => (token: StoredToken): number => {
  const life = token.accessExpiresAt - token.obtainedAt
  return refreshMargin < life ? refreshMargin : life / 2
}

/** L7: the user's Schedule, or ours from the retry options. */
/** @internal */
export const retrySchedule = (retry: MontaAuthOptions["retry"]): Schedule.Schedule<unknown, RetryInput> =>
  Schedule.isSchedule(retry) ? retry as Schedule.Schedule<unknown, RetryInput> : policy(resolveLimits(retry, Infinity))
