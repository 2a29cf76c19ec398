import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { InvalidWebhook } from "../InvalidWebhook.js"
import { WebhookBatch } from "../WebhookBatch.js"
import * as Signature from "./signature.js"

/** How far a batch `timestamp` may be from the `Clock`, either way, when the caller says nothing (W3). */
export const defaultTolerance: Duration.Duration = Duration.minutes(5)

/** A batch that passed every check, with the entries as they were parsed (for their digests). */
export interface Verified {
  readonly batch: WebhookBatch
  readonly rawEntries: ReadonlyArray<unknown>
}

const utf8 = new TextDecoder("utf-8", { fatal: true })
const decodeBatch = Schema.decodeUnknownEither(WebhookBatch)

const malformed = (detail: string) => new InvalidWebhook({ reason: "Malformed", detail })

/** Where the decoding failed, by path only: the offending value may be anything the sender put there. */
const describeIssue = (error: ParseResult.ParseError): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (issue === undefined) return "not a webhook batch"
  const path = issue.path.length === 0 ? "the top level" : issue.path.map(String).join(".")
  return issue._tag === "Missing" ? `${path} is missing` : `${path} is not what a webhook batch holds there`
}

/** Parses and decodes the body (W2): `Malformed` when it is not UTF-8 JSON of a `WebhookBatch`. */
export const decode = (body: string | Uint8Array): Effect.Effect<Verified, InvalidWebhook> =>
  Effect.suspend(() => {
    let json: unknown
    try {
      json = JSON.parse(typeof body === "string" ? body : utf8.decode(body))
    } catch {
      return Effect.fail(malformed("the body is not UTF-8 JSON"))
    }
    return Either.match(decodeBatch(json), {
      onLeft: (error) => Effect.fail(malformed(describeIssue(error))),
      onRight: (batch) =>
        Effect.succeed({ batch, rawEntries: (json as { readonly entries: ReadonlyArray<unknown> }).entries })
    })
  })

const seconds = (millis: number) => `${Math.round(millis / 100) / 10} s`

/** The replay check of W3: the batch `timestamp` within `tolerance` of the `Clock`, either way. */
export const checkTimestamp = (
  batch: WebhookBatch,
  tolerance: Duration.Duration
): Effect.Effect<void, InvalidWebhook> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const skew = now - batch.timestamp
    const limit = Duration.toMillis(tolerance)
    return Math.abs(skew) <= limit ? Effect.void : Effect.fail(
      new InvalidWebhook({
        reason: "Stale",
        detail: `the batch timestamp is ${seconds(Math.abs(skew))} ${skew > 0 ? "behind" : "ahead of"} the clock ` +
          `(tolerance ${seconds(limit)})`
      })
    )
  })

/** Signature over the raw bytes, then decoding, then the timestamp: the order of `MontaWebhook.verify`. */
export const verify = (options: {
  readonly secret: Redacted.Redacted<string>
  readonly body: string | Uint8Array
  readonly signature: string | undefined
  readonly tolerance: Duration.Duration
}): Effect.Effect<Verified, InvalidWebhook> =>
  Signature.check(options.secret, options.body, options.signature).pipe(
    Effect.zipRight(decode(options.body)),
    Effect.tap(({ batch }) => checkTimestamp(batch, options.tolerance))
  )
