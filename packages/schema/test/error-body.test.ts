/**
 * SPEC section 1 "Error bodies are not documented ... decode leniently: an unknown or non-JSON body
 * is still an error with its status, never a crash" / issue 2 "`MontaErrorBody` (lenient)".
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { decodeMontaErrorBody, MontaErrorBody } from "../src/index.js"

const decode = Schema.decodeUnknownEither(MontaErrorBody)

describe("MontaErrorBody is lenient (SPEC 1 error bodies, issue 2)", () => {
  it("SPEC 1: every field is optional", () => {
    const result = decode({})
    assert.isTrue(Either.isRight(result))
    assert.deepStrictEqual(Object.keys(Either.getOrThrow(result)), [])
    assert.deepStrictEqual({ ...decodeMontaErrorBody({ status: 404 }) }, { status: 404 })
    assert.deepStrictEqual({ ...decodeMontaErrorBody({ errorCode: "RESOURCE_NOT_FOUND" }) }, {
      errorCode: "RESOURCE_NOT_FOUND"
    })
  })

  it("SPEC 1: a field of the wrong type is dropped (the key is absent), the others kept", () => {
    const body = decodeMontaErrorBody({ status: "x", message: 42, errorCode: "ACCESS_FORBIDDEN" })
    assert.deepStrictEqual(Object.keys(body), ["errorCode"])
    assert.isFalse("status" in body)
    assert.isFalse("message" in body)
    assert.strictEqual(body.errorCode, "ACCESS_FORBIDDEN")

    const schemaResult = Either.getOrThrow(decode({ status: "x", message: null, errorCode: ["A"] }))
    assert.deepStrictEqual(Object.keys(schemaResult), [])
  })

  it("SPEC 1: unknown extra fields are ignored", () => {
    const body = decodeMontaErrorBody({ status: 403, message: "no", errorCode: "ACCESS_FORBIDDEN", path: "/x" })
    assert.deepStrictEqual({ ...body }, { status: 403, message: "no", errorCode: "ACCESS_FORBIDDEN" })
  })

  it("SPEC 1: a JSON string body is parsed; a non-JSON string, null, an array, a number give an empty body", () => {
    assert.deepStrictEqual(
      { ...decodeMontaErrorBody(`{"status":401,"message":"Invalid token","errorCode":"INVALID_ACCESS_TOKEN"}`) },
      { status: 401, message: "Invalid token", errorCode: "INVALID_ACCESS_TOKEN" }
    )
    for (const body of ["<html>Bad Gateway</html>", "", null, undefined, [1, 2], 502, true, "[]", "null"]) {
      const decoded = decodeMontaErrorBody(body)
      assert.instanceOf(decoded, MontaErrorBody, JSON.stringify(body))
      assert.deepStrictEqual(Object.keys(decoded), [], JSON.stringify(body))
    }
  })

  it.prop(
    "SPEC 1: any value at all decodes to an error body without throwing",
    { body: fc.oneof(fc.anything(), fc.json(), fc.string()) },
    ({ body }) => {
      const decoded = decodeMontaErrorBody(body)
      assert.instanceOf(decoded, MontaErrorBody)
      for (const [key, value] of Object.entries(decoded)) {
        assert.include(["status", "message", "errorCode"], key)
        assert.strictEqual(typeof value, key === "status" ? "number" : "string")
      }
    }
  )
})
