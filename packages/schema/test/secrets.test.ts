/**
 * SPEC section 9 "Client secret, access and refresh tokens are `Redacted` from decoding on. No ...
 * `toString`, `JSON.stringify` or `inspect` of any value of ours ever contains one" / issue 2
 * "Secrets do not appear in `String(x)`, `JSON.stringify(x)` or `util.inspect(x)` of any decoded
 * value". Encoding gives them back, since the wire needs them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Redacted, Schema } from "effect"
import * as util from "node:util"
import { RefreshRequest, TokenPair, TokenRequest } from "../src/index.js"

/** Every way a value is commonly turned into text. */
const renderings = (value: unknown): ReadonlyArray<[string, string]> => [
  ["String", String(value)],
  ["JSON.stringify", JSON.stringify(value)],
  ["util.inspect", util.inspect(value, { depth: 10 })],
  ["util.inspect (showHidden)", util.inspect(value, { depth: 10, showHidden: true })],
  ["template literal", `${value as string}`],
  ["util.format %o", util.format("%o", value)]
]

const assertHidden = (value: unknown, secrets: ReadonlyArray<string>) => {
  for (const [how, text] of renderings(value)) {
    for (const secret of secrets) assert.notInclude(text, secret, `${how} shows a secret`)
  }
}

// Long enough never to appear by chance in rendered text.
const secret = fc.uuid().map((uuid) => `s3cr3t-${uuid}`)
const date = "2023-02-16T07:53:02.059724728Z"
// `util.inspect` with `showHidden` is slow; a few dozen random secrets per schema are plenty.
const options = { fastCheck: { numRuns: 25 } }

describe("secrets stay redacted (SPEC 9, issue 2)", () => {
  it.effect.prop(
    "SPEC 9: a decoded TokenRequest never shows its clientSecret",
    { clientSecret: secret },
    ({ clientSecret }) =>
      Effect.gen(function*() {
        const input = { clientId: "73d86c7f-48de-4a0f-bd3c-da243e16b630", clientSecret }
        const request = yield* Schema.decodeUnknown(TokenRequest)(input)
        assertHidden(request, [clientSecret])
        assertHidden(request.clientSecret, [clientSecret])
        assert.include(String(request), "73d86c7f-48de-4a0f-bd3c-da243e16b630", "the clientId is not a secret")
        assert.strictEqual(Redacted.value(request.clientSecret), clientSecret)
        assert.deepStrictEqual(yield* Schema.encode(TokenRequest)(request), input, "the wire gets the secret")
      }),
    options
  )

  it.effect.prop(
    "SPEC 9: a decoded RefreshRequest never shows its refreshToken",
    { refreshToken: secret },
    ({ refreshToken }) =>
      Effect.gen(function*() {
        const request = yield* Schema.decodeUnknown(RefreshRequest)({ refreshToken })
        assertHidden(request, [refreshToken])
        assert.deepStrictEqual(yield* Schema.encode(RefreshRequest)(request), { refreshToken })
      }),
    options
  )

  it.effect.prop(
    "SPEC 9: a decoded TokenPair never shows its access or refresh token",
    { accessToken: secret, refreshToken: secret },
    ({ accessToken, refreshToken }) =>
      Effect.gen(function*() {
        const input = { accessToken, refreshToken, accessTokenExpirationDate: date, refreshTokenExpirationDate: date }
        const pair = yield* Schema.decodeUnknown(TokenPair)(input)
        assertHidden(pair, [accessToken, refreshToken])
        assertHidden([pair, { nested: { pair } }], [accessToken, refreshToken])
        const encoded = yield* Schema.encode(TokenPair)(pair)
        assert.strictEqual(encoded.accessToken, accessToken)
        assert.strictEqual(encoded.refreshToken, refreshToken)
      }),
    options
  )

  it("SPEC 9: a failed decode does not echo the tokens in its error", () => {
    const accessToken = "s3cr3t-access-4596d494"
    const refreshToken = "s3cr3t-refresh-bbf8c0ed"
    const inputs = [
      { accessToken, refreshToken, accessTokenExpirationDate: "yesterday", refreshTokenExpirationDate: date },
      { accessToken, refreshToken },
      { accessToken, refreshToken: 5, accessTokenExpirationDate: date, refreshTokenExpirationDate: date }
    ]
    for (const input of inputs) {
      const result = Schema.decodeUnknownEither(TokenPair, { errors: "all" })(input)
      if (Either.isRight(result)) return assert.fail("should not decode")
      assert.notInclude(result.left.message, accessToken)
      assert.notInclude(result.left.message, refreshToken)
      assertHidden(result.left, [accessToken, refreshToken])
    }
  })
})
