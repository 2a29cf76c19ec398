import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Redacted from "effect/Redacted"
import { InvalidWebhook, type InvalidWebhookReason } from "../InvalidWebhook.js"
import type { WebhookBatch } from "../WebhookBatch.js"
import type { WebhookDedupeService } from "../WebhookDedupe.js"
import { readBody } from "./body.js"
import * as Dedupe from "./dedupe.js"
import { signatureHeader } from "./signature.js"
import * as Verify from "./verify.js"

/** The size cap of a delivery when the caller says nothing: 1 MiB. */
export const defaultMaxBodyBytes = 1024 * 1024

/** The handler's options with their defaults applied. */
export interface Resolved {
  readonly secret: Redacted.Redacted<string>
  readonly tolerance: Duration.Duration
  readonly maxBodyBytes: number
  readonly dedupe: WebhookDedupeService | undefined
}

/**
 * The status of each refusal. None carries a body: a sender that is not Monta learns nothing
 * beyond the status. `Stale` is a 401 like a bad signature: the delivery is not provably fresh.
 */
const statusOf: Record<InvalidWebhookReason, number> = {
  MissingSignature: 401,
  BadSignature: 401,
  Stale: 401,
  Malformed: 400,
  TooLarge: 413
}

const respond = (status: number, outcome: string) =>
  Effect.as(
    Effect.annotateCurrentSpan({ "monta.webhook.outcome": outcome, "http.response.status_code": status }),
    HttpServerResponse.empty({ status })
  )

const refuse = (error: InvalidWebhook) =>
  Effect.zipRight(
    Effect.logDebug(`monta-auth: webhook delivery refused: ${error.message}`),
    respond(statusOf[error.reason], error.reason)
  )

/** How long a claim must live: as long as a batch with this timestamp can still pass the replay check. */
const claimTtl = (timestamp: number, tolerance: Duration.Duration) =>
  Effect.map(
    Clock.currentTimeMillis,
    (now) => Duration.millis(Duration.toMillis(tolerance) + Math.max(0, timestamp - now))
  )

/**
 * Hands the batch's new entries to `onBatch`. Their claims are taken first, so a concurrent
 * redelivery does not hand them over a second time, and given back unless `onBatch` succeeds (a
 * failure, a defect or an interruption), so Monta's retry hands them over again.
 */
const deliver = <E, R>(
  options: Resolved,
  verified: Verify.Verified,
  onBatch: (batch: WebhookBatch) => Effect.Effect<unknown, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> => {
  const { batch, rawEntries } = verified
  const run = (handed: WebhookBatch) =>
    Effect.matchCauseEffect(onBatch(handed), {
      onSuccess: () => respond(200, "Delivered"),
      onFailure: (cause) =>
        Effect.zipRight(
          Effect.logWarning("monta-auth: webhook onBatch failed; answered 500 so that Monta delivers again", cause),
          respond(500, "HandlerFailed")
        )
    })
  const dedupe = options.dedupe
  if (dedupe === undefined) return run(batch)
  return Effect.gen(function*() {
    const digests = rawEntries.map(Dedupe.digestOf)
    const ttl = yield* claimTtl(batch.timestamp, options.tolerance)
    const claimed = yield* dedupe.claim(digests, ttl)
    const fresh = batch.entries.filter((_, i) => claimed[i] === true)
    yield* Effect.annotateCurrentSpan({
      "monta.webhook.entries": batch.entries.length,
      "monta.webhook.new": fresh.length
    })
    if (fresh.length === 0 && batch.entries.length > 0) return yield* respond(200, "Redelivery")
    const mine = digests.filter((_, i) => claimed[i] === true)
    return yield* run({ ...batch, entries: fresh }).pipe(
      Effect.onExit((exit) =>
        Exit.isSuccess(exit) && exit.value.status === 200 ? Effect.void : Effect.ignoreLogged(dedupe.release(mine))
      )
    )
  }).pipe(
    Effect.catchTag("WebhookDedupeError", (error) =>
      Effect.zipRight(
        Effect.logError(`monta-auth: ${error.message}; answered 503 so that Monta delivers again`),
        respond(503, "DedupeUnavailable")
      ))
  )
}

/** The `HttpApp` of `MontaWebhook.handler`: it needs only the request (and what `onBatch` needs). */
export const make = <E, R>(
  options: Resolved,
  onBatch: (batch: WebhookBatch) => Effect.Effect<unknown, E, R>
): HttpApp.Default<never, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (request.method !== "POST") {
      return HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } })
    }
    const signature = request.headers[signatureHeader]
    return Effect.gen(function*() {
      // Nothing of an unsigned request is read.
      if (signature === undefined || signature.trim() === "") {
        return yield* new InvalidWebhook({ reason: "MissingSignature" })
      }
      const body = yield* readBody(request, options.maxBodyBytes)
      return yield* Verify.verify({ secret: options.secret, body, signature, tolerance: options.tolerance })
    }).pipe(
      Effect.matchEffect({
        onFailure: refuse,
        onSuccess: (verified) => deliver(options, verified, onBatch)
      }),
      Effect.catchAllDefect((defect) =>
        Effect.zipRight(
          Effect.logError("monta-auth: webhook handler defect", Cause.die(defect)),
          respond(500, "Defect")
        )
      ),
      Effect.withSpan("MontaWebhook.handler", { kind: "server" })
    )
  })
