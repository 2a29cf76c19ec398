/**
 * SPEC H9 / L14 (issue 11 item 2): "a size cap ... on a token's length". A token of the auth
 * endpoints longer than `maxTokenLength` (16 KiB) does not decode, and the error says the length,
 * never the token.
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, Redacted, Schema } from "effect"
import * as util from "node:util"
import { maxTokenLength, RefreshRequest, TokenPair } from "../src/index.js"

const date = "2023-02-16T07:53:02.059724728Z"
const pairOf = (accessToken: string, refreshToken: string) => ({
  accessToken,
  refreshToken,
  accessTokenExpirationDate: date,
  refreshTokenExpirationDate: date
})
/** A token of exactly `length` characters that no rendering would show by chance. */
const tokenOf = (length: number) => `tok-${"k".repeat(length - 8)}-end`

const renderings = (value: unknown): ReadonlyArray<string> => [
  String(value),
  JSON.stringify(value),
  util.inspect(value, { depth: 10 }),
  (value as { readonly message?: string }).message ?? ""
]

describe("token length cap (H9, L14)", () => {
  it("H9: the cap is 16 KiB", () => {
    assert.strictEqual(maxTokenLength, 16_384)
  })

  it("H9: an access or refresh token of exactly the cap decodes", () => {
    const token = tokenOf(maxTokenLength)
    assert.strictEqual(token.length, maxTokenLength)
    const pair = Schema.decodeUnknownSync(TokenPair)(pairOf(token, token))
    assert.strictEqual(Redacted.value(pair.accessToken), token)
    assert.strictEqual(Redacted.value(pair.refreshToken), token)
    assert.strictEqual(
      Redacted.value(Schema.decodeUnknownSync(RefreshRequest)({ refreshToken: token }).refreshToken),
      token
    )
  })

  it("H9: an access token one character over the cap fails decoding, naming the length and not the token", () => {
    const long = tokenOf(maxTokenLength + 1)
    const result = Schema.decodeUnknownEither(TokenPair)(pairOf(long, "a-fine-refresh-token"))
    if (Either.isRight(result)) return assert.fail("a token over the cap decoded")
    assert.include(result.left.message, `["accessToken"]`)
    assert.include(result.left.message, `at most ${maxTokenLength} characters, got ${maxTokenLength + 1}`)
    for (const text of renderings(result.left)) assert.notInclude(text, "kkkkkkkkkkkkkkkk")
  })

  it("H9: a refresh token of a megabyte fails decoding without showing it", () => {
    const long = tokenOf(1024 * 1024)
    for (const errors of ["first", "all"] as const) {
      const result = Schema.decodeUnknownEither(TokenPair, { errors })(pairOf("a-fine-access-token", long))
      if (Either.isRight(result)) return assert.fail("a token over the cap decoded")
      assert.include(result.left.message, `["refreshToken"]`)
      for (const text of renderings(result.left)) {
        assert.notInclude(text, "kkkkkkkkkkkkkkkk")
        assert.isBelow(text.length, 2_000)
      }
    }
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(RefreshRequest)({ refreshToken: long })))
  })

  it("H9: an empty token still fails as before (the cap adds to the non-empty check)", () => {
    const result = Schema.decodeUnknownEither(TokenPair)(pairOf("", "a-fine-refresh-token"))
    if (Either.isRight(result)) return assert.fail("an empty token decoded")
    assert.include(result.left.message, "the value is not shown")
  })
})
