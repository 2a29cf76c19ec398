/**
 * SPEC section 9 "Client secret, access and refresh tokens are `Redacted` from decoding on. No ...
 * `toString`, `JSON.stringify` or `inspect` of any value of ours ever contains one" / issue 2
 * "Secrets do not appear in `String(x)`, `JSON.stringify(x)` or `util.inspect(x)` of any decoded
 * value". Encoding gives them back, since the wire needs them. The failure paths too (SPEC 11
 * "malformed ... JSON: no secret in its message"): the error of a decode that fails, for another
 * field, a missing one, or the secret itself in the wrong shape, shows no secret in any rendering.
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

/**
 * Decodes `input`, which must fail (with `errors: "first"` and `"all"`), and checks that no rendering
 * of the error shows a secret while its message still says what is wrong.
 */
const assertFailsHidden = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown,
  secrets: ReadonlyArray<string>,
  expected: ReadonlyArray<string>
) => {
  for (const errors of ["first", "all"] as const) {
    const result = Schema.decodeUnknownEither(schema, { errors })(input)
    if (Either.isRight(result)) return assert.fail(`${util.inspect(input)} should not decode`)
    assertHidden(result.left, secrets)
    for (const secret of secrets) assert.notInclude(result.left.message, secret, "error.message shows a secret")
    // With errors: "first" the message names at least the first problem, with "all" every one.
    for (const part of errors === "all" ? expected : expected.slice(0, 1)) assert.include(result.left.message, part)
  }
}

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

  it("SPEC 9: a failed decode of a TokenRequest does not echo the clientSecret in its error", () => {
    const clientSecret = "s3cr3t-client-7f3a9c1e"
    const cases: ReadonlyArray<[unknown, ReadonlyArray<string>]> = [
      // another field of the wrong type, or malformed
      [{ clientId: 42, clientSecret }, [`["clientId"]`, "Expected string, actual 42"]],
      [{ clientId: null, clientSecret }, [`["clientId"]`, "actual null"]],
      [{ clientId: "", clientSecret }, [`["clientId"]`]],
      [{ clientId: "  73d86c7f  ", clientSecret }, [`["clientId"]`]],
      [{ clientId: { id: 1 }, clientSecret, extra: clientSecret }, [`["clientId"]`]],
      // a missing field
      [{ clientSecret }, [`["clientId"]`, "is missing"]],
      [{ clientsecret: clientSecret, clientId: "73d86c7f" }, [`["clientSecret"]`, "is missing"]],
      // the secret itself in the wrong shape, or the whole body a bare secret
      [{ clientId: "73d86c7f", clientSecret: [clientSecret] }, [`["clientSecret"]`, "the value is not shown"]],
      [{ clientId: 42, clientSecret: { value: clientSecret } }, [`["clientId"]`, `["clientSecret"]`]],
      [clientSecret, ["Expected an object { clientId, clientSecret }"]],
      [[clientSecret], ["Expected an object { clientId, clientSecret }"]]
    ]
    for (const [input, expected] of cases) assertFailsHidden(TokenRequest, input, [clientSecret], expected)
  })

  it("SPEC 9: a failed decode of a RefreshRequest does not echo the refreshToken in its error", () => {
    const refreshToken = "s3cr3t-refresh-b596a1fb"
    const cases: ReadonlyArray<[unknown, ReadonlyArray<string>]> = [
      // a missing field (the token under another name, or no token at all)
      [{ refresh_token: refreshToken }, [`["refreshToken"]`, "is missing"]],
      [{ token: refreshToken, accessToken: refreshToken }, [`["refreshToken"]`, "is missing"]],
      [{}, [`["refreshToken"]`, "is missing"]],
      // the wrong type
      [{ refreshToken: 5 }, [`["refreshToken"]`]],
      [{ refreshToken: "" }, [`["refreshToken"]`]],
      // the token itself in the wrong shape, or the whole body a bare token
      [{ refreshToken: [refreshToken] }, [`["refreshToken"]`, "the value is not shown"]],
      [{ refreshToken: { value: refreshToken } }, [`["refreshToken"]`]],
      [refreshToken, ["Expected an object { refreshToken }"]],
      [null, ["Expected an object { refreshToken }"]]
    ]
    for (const [input, expected] of cases) assertFailsHidden(RefreshRequest, input, [refreshToken], expected)
  })

  it("SPEC 9: a TokenRequest that fails to construct (bad clientId) does not show its secret", () => {
    const clientSecret = "s3cr3t-constructed-1d2e"
    for (const clientId of ["", "  padded  "]) {
      const error = Either.flip(
        Either.try(() => new TokenRequest({ clientId, clientSecret: Redacted.make(clientSecret) }))
      )
      if (Either.isLeft(error)) return assert.fail(`clientId ${JSON.stringify(clientId)} should not construct`)
      assertHidden(error.right, [clientSecret])
      assert.include(String(error.right), `["clientId"]`)
    }
  })

  it("SPEC 9: a failed decode of a TokenPair with a token in the wrong shape does not echo it", () => {
    const accessToken = "s3cr3t-access-fbf6d41f"
    const refreshToken = "s3cr3t-refresh-9c9f4cca"
    const inputs = [
      {
        accessToken: { value: accessToken },
        refreshToken,
        accessTokenExpirationDate: date,
        refreshTokenExpirationDate: date
      },
      { accessToken, refreshToken: [refreshToken], accessTokenExpirationDate: date, refreshTokenExpirationDate: date },
      accessToken
    ]
    const expected = [[`["accessToken"]`, "the value is not shown"], [`["refreshToken"]`], ["Expected an object {"]]
    inputs.forEach((input, i) => assertFailsHidden(TokenPair, input, [accessToken, refreshToken], expected[i]!))
  })

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
