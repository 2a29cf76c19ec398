import { assert, describe, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { MontaWebhook } from "../src/index.js"
import { batchBody, entry, secret } from "./support.js"

const documented = Redacted.make("top-secret")
const now = 1_705_572_000_000

const reasonOf = <A>(result: Either.Either<A, { readonly reason: string }>) =>
  Either.match(result, { onLeft: (error) => error.reason, onRight: () => "valid" })

const verifyAt = (body: string | Uint8Array, signature: string | undefined, tolerance?: Duration.DurationInput) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now)
    return yield* Effect.either(MontaWebhook.verify({ secret, body, signature, tolerance }))
  })

describe("MontaWebhook.sign / verify", () => {
  it("W1: the documented test vector: top-secret, {\"foo\":\"bar\"}", () => {
    assert.strictEqual(
      MontaWebhook.sign(documented, "{\"foo\":\"bar\"}"),
      "sha1=ff401a885877ab7e4665f9e045f9ee2d5876fdb9"
    )
  })

  it("W1: the older page's test vector: top-secret, {\"foo\": \"bar\"} (with a space)", () => {
    assert.strictEqual(
      MontaWebhook.sign(documented, "{\"foo\": \"bar\"}"),
      "sha1=d7f7fb0093470143a57bc39a3d9f0bb61fa67131"
    )
  })

  it("W1: a body as bytes signs as its string", () => {
    assert.strictEqual(
      MontaWebhook.sign(documented, new TextEncoder().encode("{\"foo\":\"bar\"}")),
      "sha1=ff401a885877ab7e4665f9e045f9ee2d5876fdb9"
    )
  })

  it.effect("W1: the documented vector verifies up to decoding (the signature is right, the body is no batch)", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(MontaWebhook.verify({
        secret: documented,
        body: "{\"foo\":\"bar\"}",
        signature: "sha1=ff401a885877ab7e4665f9e045f9ee2d5876fdb9"
      }))
      assert.strictEqual(reasonOf(result), "Malformed")
      const wrong = yield* Effect.either(MontaWebhook.verify({
        secret: documented,
        body: "{\"foo\": \"bar\"}",
        signature: "sha1=ff401a885877ab7e4665f9e045f9ee2d5876fdb9"
      }))
      assert.strictEqual(
        reasonOf(wrong),
        "BadSignature",
        "the signature of the compact body must not verify the spaced one"
      )
    }))

  it.effect("W1, W2: a signed batch verifies and decodes", () =>
    Effect.gen(function*() {
      const body = batchBody(now, [entry("7", "created")], 2)
      const batch = Either.getOrThrow(yield* verifyAt(body, MontaWebhook.sign(secret, body)))
      assert.strictEqual(batch.pending, 2)
      assert.strictEqual(batch.timestamp, now)
      assert.strictEqual(batch.entries[0]!.entityId, "7")
      assert.strictEqual(batch.entries[0]!.eventType, "created")
    }))

  it.effect("W1: an upper-case hex signature of the right bytes verifies", () =>
    Effect.gen(function*() {
      const body = batchBody(now)
      const upper = "sha1=" + MontaWebhook.sign(secret, body).slice(5).toUpperCase()
      assert.strictEqual(reasonOf(yield* verifyAt(body, upper)), "valid")
    }))

  it.effect("W1: no header is MissingSignature; an empty one too", () =>
    Effect.gen(function*() {
      assert.strictEqual(reasonOf(yield* verifyAt(batchBody(now), undefined)), "MissingSignature")
      assert.strictEqual(reasonOf(yield* verifyAt(batchBody(now), "")), "MissingSignature")
    }))

  it.effect("W1: a wrong secret, a changed byte, a wrong length, non-hex digits or another scheme are BadSignature", () =>
    Effect.gen(function*() {
      const body = batchBody(now)
      const good = MontaWebhook.sign(secret, body)
      const cases = [
        MontaWebhook.sign(Redacted.make("another-secret-of-20"), body),
        MontaWebhook.sign(secret, body.replace("\"pending\":0", "\"pending\":1")),
        good.slice(0, -2),
        good + "00",
        good.slice(0, -1) + "g",
        "sha256=" + good.slice(5),
        good.slice(5),
        "sha1="
      ]
      for (const signature of cases) {
        assert.strictEqual(reasonOf(yield* verifyAt(body, signature)), "BadSignature", signature)
      }
      // The bytes are what is signed: the same batch re-serialized with spaces does not verify.
      const spaced = JSON.stringify(JSON.parse(body), null, 1)
      assert.strictEqual(reasonOf(yield* verifyAt(spaced, good)), "BadSignature")
    }))

  it.effect("W1: the signature is checked before the body is decoded (an unsigned non-batch is BadSignature)", () =>
    Effect.gen(function*() {
      assert.strictEqual(reasonOf(yield* verifyAt("not json", "sha1=" + "0".repeat(40))), "BadSignature")
      assert.strictEqual(reasonOf(yield* verifyAt("not json", MontaWebhook.sign(secret, "not json"))), "Malformed")
    }))

  it.effect("W2: a signed body that is not JSON, not UTF-8, or not a batch is Malformed", () =>
    Effect.gen(function*() {
      const bodies: ReadonlyArray<string | Uint8Array> = [
        "{\"entries\":",
        new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
        JSON.stringify({ entries: [], pending: 0 }),
        JSON.stringify({ entries: [{ entityType: "charge" }], pending: 0, timestamp: now }),
        "[]"
      ]
      for (const body of bodies) {
        assert.strictEqual(reasonOf(yield* verifyAt(body, MontaWebhook.sign(secret, body))), "Malformed")
      }
    }))

  it.effect("W3: a timestamp more than 5 minutes behind the Clock is Stale; exactly 5 minutes is accepted", () =>
    Effect.gen(function*() {
      const old = batchBody(now - 5 * 60_000 - 1)
      assert.strictEqual(reasonOf(yield* verifyAt(old, MontaWebhook.sign(secret, old))), "Stale")
      const edge = batchBody(now - 5 * 60_000)
      assert.strictEqual(reasonOf(yield* verifyAt(edge, MontaWebhook.sign(secret, edge))), "valid")
    }))

  it.effect("W3: a timestamp more than 5 minutes ahead of the Clock is Stale too", () =>
    Effect.gen(function*() {
      const ahead = batchBody(now + 5 * 60_000 + 1)
      assert.strictEqual(reasonOf(yield* verifyAt(ahead, MontaWebhook.sign(secret, ahead))), "Stale")
      const edge = batchBody(now + 5 * 60_000)
      assert.strictEqual(reasonOf(yield* verifyAt(edge, MontaWebhook.sign(secret, edge))), "valid")
    }))

  it.effect("W3: the check follows the Clock: a batch valid now is Stale after TestClock moves 6 minutes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const body = batchBody(now)
      const signature = MontaWebhook.sign(secret, body)
      assert.isTrue(Either.isRight(yield* Effect.either(MontaWebhook.verify({ secret, body, signature }))))
      yield* TestClock.adjust("6 minutes")
      const later = yield* Effect.either(MontaWebhook.verify({ secret, body, signature }))
      assert.strictEqual(reasonOf(later), "Stale")
      assert.include(Either.getLeft(later).pipe((e) => e._tag === "Some" ? e.value.message : ""), "behind the clock")
    }))

  it.effect("W3: the tolerance is an option", () =>
    Effect.gen(function*() {
      const body = batchBody(now - 20_000)
      const signature = MontaWebhook.sign(secret, body)
      assert.strictEqual(reasonOf(yield* verifyAt(body, signature, "10 seconds")), "Stale")
      assert.strictEqual(reasonOf(yield* verifyAt(body, signature, "30 seconds")), "valid")
    }))

  it.effect("W1: a bad signature wins over a stale timestamp (nothing of an unsigned body is looked at)", () =>
    Effect.gen(function*() {
      const old = batchBody(now - 3_600_000)
      assert.strictEqual(reasonOf(yield* verifyAt(old, "sha1=" + "a".repeat(40))), "BadSignature")
    }))
})
