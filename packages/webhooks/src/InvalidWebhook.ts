/**
 * The one error of webhook verification. It says why a delivery was refused and never carries
 * the secret, the signature or the body.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Why a delivery was refused.
 *
 * - `MissingSignature`: no `X-Monta-Signature` header.
 * - `BadSignature`: the header is not `sha1=<40 hex>` or does not match the body.
 * - `Malformed`: the body is not JSON or not a `WebhookBatch`.
 * - `Stale`: the batch `timestamp` is outside the tolerance (W3).
 * - `TooLarge`: the body is over the handler's size cap.
 *
 * @since 0.1.0
 * @category models
 */
export const InvalidWebhookReason = Schema.Literal("MissingSignature", "BadSignature", "Malformed", "Stale", "TooLarge")

/**
 * @since 0.1.0
 * @category models
 */
export type InvalidWebhookReason = typeof InvalidWebhookReason.Type

/**
 * A webhook delivery that is not (provably) Monta's, or not usable: see `reason`. `detail` says
 * what was wrong in words of our own (a decoding path, a skew in milliseconds), never a value
 * taken from the request.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidWebhook extends Schema.TaggedError<InvalidWebhook>("@monta-auth/webhooks/InvalidWebhook")(
  "InvalidWebhook",
  {
    reason: InvalidWebhookReason,
    detail: Schema.optional(Schema.String)
  }
) {
  override get message(): string {
    const detail = this.detail !== undefined ? `: ${this.detail}` : ""
    return `Invalid Monta webhook delivery (${describe[this.reason]})${detail}`
  }
}

const describe: Record<InvalidWebhookReason, string> = {
  MissingSignature: "no X-Monta-Signature header",
  BadSignature: "the signature does not match the body",
  Malformed: "the body is not a webhook batch",
  Stale: "the batch timestamp is outside the tolerance",
  TooLarge: "the body is over the size cap"
}
