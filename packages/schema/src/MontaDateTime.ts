/**
 * The date-time format of the Monta Partner API: ISO-8601 with 0 to 9 fractional digits and a
 * `Z` or numeric offset (`2023-02-16T07:53:02.059724728Z`).
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const isoPattern = /^((\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})$/

// `Date` parsing rolls "2023-02-30" over to March 2nd; a date that does not exist is rejected instead.
const isCalendarDate = (year: number, month: number, day: number): boolean => {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  return month >= 1 && month <= 12 && day >= 1 && day <= days
}

/**
 * Parses a Monta date-time string to a `DateTime.Utc`, or `None` for anything else (including a
 * date that does not exist, such as February 30th). JavaScript dates hold milliseconds, so digits
 * past the third are dropped (truncated, never rounded up, so an expiry never moves later).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseMontaDateTime = (input: string): Option.Option<DateTime.Utc> => {
  const match = isoPattern.exec(input)
  if (match === null) return Option.none()
  const [, head, year, month, day, fraction, zone] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string
  ]
  if (!isCalendarDate(Number(year), Number(month), Number(day))) return Option.none()
  const millis = (fraction ?? "").padEnd(3, "0").slice(0, 3)
  const offset = zone === "Z" || zone === "z" ? "Z" : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
  return DateTime.make(`${head}.${millis}${offset}`).pipe(Option.map(DateTime.toUtc))
}

/**
 * Formats a date the way the Monta API writes it: UTC, `Z`, 9 fractional digits (the last six
 * are zero, since a `DateTime` holds milliseconds).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatMontaDateTime = (dateTime: DateTime.DateTime): string => {
  const iso = DateTime.formatIso(DateTime.toUtc(dateTime))
  return `${iso.slice(0, -1)}000000Z`
}

/**
 * A Monta date-time string decoded to `DateTime.Utc`; encodes to ISO-8601 UTC with milliseconds.
 * Precision: a `DateTime` holds milliseconds, so digits past the third fractional one are lost
 * (truncated): `"2023-02-16T07:53:02.059724728Z"` decodes to `07:53:02.059Z` and encodes back as
 * `"2023-02-16T07:53:02.059Z"`. A round trip keeps the instant to the millisecond, not the text.
 * Offsets (`+02:00`, `-0530`) are converted to UTC; a date that does not exist is rejected.
 *
 * @example
 * ```ts
 * import { MontaDateTime } from "@monta-auth/schema"
 * import { Schema } from "effect"
 *
 * const expiry = Schema.decodeUnknownSync(MontaDateTime)("2023-02-16T07:53:02.059724728Z")
 * Schema.encodeSync(MontaDateTime)(expiry) // "2023-02-16T07:53:02.059Z"
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const MontaDateTime: Schema.Schema<DateTime.Utc, string> = Schema.transformOrFail(
  Schema.String,
  Schema.DateTimeUtcFromSelf,
  {
    strict: true,
    decode: (input, _, ast) =>
      Option.match(parseMontaDateTime(input), {
        onNone: () =>
          ParseResult.fail(
            new ParseResult.Type(
              ast,
              input,
              `expected an ISO-8601 date-time with 0 to 9 fractional digits, got ${JSON.stringify(input)}`
            )
          ),
        onSome: ParseResult.succeed
      }),
    encode: (dateTime) => ParseResult.succeed(DateTime.formatIso(dateTime))
  }
).annotations({ identifier: "MontaDateTime" })
