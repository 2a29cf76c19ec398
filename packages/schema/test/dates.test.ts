/**
 * SPEC section 1 "Dates are ISO-8601 UTC with up to 9 fractional digits" / issue 2 "`TokenPair`
 * ... accepting 0 to 9 fractional digits and offsets": `MontaDateTime` decodes every such form to
 * the right instant (to the millisecond) and rejects anything else with a message naming the input.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Either, FastCheck as fc, Option, Schema } from "effect"
import { formatMontaDateTime, MontaDateTime, parseMontaDateTime } from "../src/index.js"

const decode = Schema.decodeUnknownEither(MontaDateTime)

const millisOf = (input: string): number => {
  const result = decode(input)
  if (Either.isLeft(result)) assert.fail(`${input} should decode: ${result.left.message}`)
  return DateTime.toEpochMillis(result.right)
}

const pad = (n: number, width: number) => String(n).padStart(width, "0")

describe("MontaDateTime (SPEC 1 dates, issue 2 TokenPair dates)", () => {
  it("SPEC 1: 0 to 9 fractional digits all decode, truncated to the millisecond", () => {
    const base = Date.UTC(2023, 1, 16, 7, 53, 2)
    const expected: ReadonlyArray<[string, number]> = [
      ["2023-02-16T07:53:02Z", base],
      ["2023-02-16T07:53:02.0Z", base],
      ["2023-02-16T07:53:02.5Z", base + 500],
      ["2023-02-16T07:53:02.05Z", base + 50],
      ["2023-02-16T07:53:02.059Z", base + 59],
      ["2023-02-16T07:53:02.0597Z", base + 59],
      ["2023-02-16T07:53:02.05972Z", base + 59],
      ["2023-02-16T07:53:02.059724Z", base + 59],
      ["2023-02-16T07:53:02.0597247Z", base + 59],
      ["2023-02-16T07:53:02.05972472Z", base + 59],
      ["2023-02-16T07:53:02.059724728Z", base + 59],
      // Truncated, never rounded up: an expiry never moves later.
      ["2023-02-16T07:53:02.999999999Z", base + 999]
    ]
    for (const [input, millis] of expected) assert.strictEqual(millisOf(input), millis, input)
  })

  it("SPEC 1: Z and numeric offsets (+02:00, -0530) decode to the UTC instant", () => {
    const base = Date.UTC(2023, 1, 16, 7, 53, 2)
    assert.strictEqual(millisOf("2023-02-16T09:53:02+02:00"), base)
    assert.strictEqual(millisOf("2023-02-16T09:53:02.059724728+02:00"), base + 59)
    assert.strictEqual(millisOf("2023-02-16T02:23:02-0530"), base)
    assert.strictEqual(millisOf("2023-02-16T02:23:02.1-05:30"), base + 100)
    assert.strictEqual(millisOf("2023-02-16T07:53:02.059+0000"), base + 59)
  })

  it("SPEC 1: 29 February exists in leap years only", () => {
    assert.strictEqual(millisOf("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29))
    assert.isTrue(Either.isLeft(decode("2023-02-29T00:00:00Z")))
    assert.isTrue(Either.isLeft(decode("2100-02-29T00:00:00Z")))
    assert.isTrue(Either.isLeft(decode("2023-04-31T00:00:00Z")))
  })

  it("SPEC 1: garbage is rejected with a message naming the input", () => {
    const garbage = [
      "2023-02-16",
      "yesterday",
      "2023-02-16T07:53:02.1234567890Z",
      "2023-02-16T07:53:02",
      "2023-02-30T07:53:02Z",
      ""
    ]
    for (const input of garbage) {
      const result = decode(input)
      if (Either.isRight(result)) assert.fail(`${JSON.stringify(input)} should not decode`)
      assert.include(
        result.left.message,
        `expected an ISO-8601 date-time with 0 to 9 fractional digits, got ${JSON.stringify(input)}`
      )
      assert.isTrue(Option.isNone(parseMontaDateTime(input)))
    }
    assert.isTrue(Either.isLeft(decode(1676533982059)), "a number is not a date string")
  })

  it.prop(
    "SPEC 1: any instant written with 0-9 digits and any offset decodes to that instant (ms)",
    {
      millis: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
      subMillis: fc.integer({ min: 0, max: 999_999 }),
      digits: fc.integer({ min: 0, max: 9 }),
      offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }),
      colon: fc.boolean(),
      zulu: fc.boolean()
    },
    ({ colon, digits, millis, offsetMinutes, subMillis, zulu }) => {
      const offset = zulu ? 0 : offsetMinutes
      const local = new Date(millis + offset * 60_000)
      const nanos = pad(local.getUTCMilliseconds(), 3) + pad(subMillis, 6)
      const fraction = digits === 0 ? "" : `.${nanos.slice(0, digits)}`
      const sign = offset < 0 ? "-" : "+"
      const zone = zulu
        ? "Z"
        : `${sign}${pad(Math.floor(Math.abs(offset) / 60), 2)}${colon ? ":" : ""}${pad(Math.abs(offset) % 60, 2)}`
      const input = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${
        pad(local.getUTCDate(), 2)
      }T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${
        pad(local.getUTCSeconds(), 2)
      }${fraction}${zone}`
      const expected = millis - (millis % 1000) + Number(nanos.slice(0, Math.min(digits, 3)).padEnd(3, "0"))
      assert.strictEqual(millisOf(input), expected, input)
    }
  )

  it.prop(
    "SPEC 1: encoding then decoding keeps the instant to the millisecond",
    { millis: fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }) },
    ({ millis }) => {
      const dateTime = DateTime.unsafeMake(millis)
      const encoded = Schema.encodeSync(MontaDateTime)(dateTime)
      assert.match(encoded, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
      assert.strictEqual(millisOf(encoded), millis)
      const written = formatMontaDateTime(dateTime)
      assert.match(written, /\.\d{9}Z$/, "formatMontaDateTime writes 9 fractional digits, like the API")
      assert.strictEqual(millisOf(written), millis)
    }
  )
})
