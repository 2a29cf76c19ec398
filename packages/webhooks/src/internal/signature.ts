import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHmac, timingSafeEqual } from "node:crypto"
import { InvalidWebhook } from "../InvalidWebhook.js"

/** The header Monta signs each delivery with, as `@effect/platform` spells header names. */
export const signatureHeader = "x-monta-signature"

const prefix = "sha1="

/** A header value we can compare: `sha1=` and 40 hex digits (20 bytes); either case is accepted. */
const wellFormed = /^sha1=[0-9a-f]{40}$/i

/** The HMAC-SHA1 of the body bytes, keyed with the UTF-8 bytes of the secret. */
export const hmac = (secret: Redacted.Redacted<string>, body: string | Uint8Array): Buffer =>
  createHmac("sha1", Redacted.value(secret)).update(body).digest()

/** `sha1=` and the lower-case hex of the HMAC, the form of `X-Monta-Signature`. */
export const sign = (secret: Redacted.Redacted<string>, body: string | Uint8Array): string =>
  prefix + hmac(secret, body).toString("hex")

/**
 * Checks `signature` (the header's value) against the body. The comparison is over the raw 20
 * bytes with `crypto.timingSafeEqual`, which only ever sees buffers of equal length: a header of
 * the wrong shape is refused before it, by its form alone, which tells nothing about the secret.
 */
export const check = (
  secret: Redacted.Redacted<string>,
  body: string | Uint8Array,
  signature: string | undefined
): Effect.Effect<void, InvalidWebhook> =>
  Effect.suspend(() => {
    const given = signature?.trim() ?? ""
    if (given === "") return Effect.fail(new InvalidWebhook({ reason: "MissingSignature" }))
    if (!wellFormed.test(given)) {
      return Effect.fail(new InvalidWebhook({ reason: "BadSignature", detail: "not of the form sha1=<40 hex digits>" }))
    }
    const expected = hmac(secret, body)
    const received = Buffer.from(given.slice(prefix.length), "hex")
    return received.length === expected.length && timingSafeEqual(received, expected)
      ? Effect.void
      : Effect.fail(new InvalidWebhook({ reason: "BadSignature" }))
  })
