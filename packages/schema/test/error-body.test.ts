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
        assert.include(["status", "message", "errorCode", "readableMessage", "context"], key)
        if (key === "status") assert.include(["number", "string"], typeof value)
        else if (key === "context") assert.isFalse(value === undefined || value === null)
        else assert.strictEqual(typeof value, "string")
      }
    }
  )
})

describe("MontaErrorBody decodes the documented error bodies (issue 12 item 5)", () => {
  const decoded = (body: unknown) => ({ ...decodeMontaErrorBody(body) })

  it("notes: 400 BAD_REQUEST, status as a name", () => {
    // monta-partner-api-notes.md, "Error bodies": 400 example
    const body = { status: "BAD_REQUEST", message: "Invalid request", errorCode: "BAD_REQUEST" }
    assert.deepStrictEqual(decoded(body), body)
    assert.deepStrictEqual(decoded(JSON.stringify(body)), body)
    assert.strictEqual(decodeMontaErrorBody(body).statusCode, 400)
  })

  it("notes: 401 on /auth/token, CONSUMER_NOT_FOUND", () => {
    // monta-partner-api-notes.md, "Error bodies": 401 on `/auth/token` example
    const body = { status: "UNAUTHORIZED", message: "Consumer not found", errorCode: "CONSUMER_NOT_FOUND" }
    assert.deepStrictEqual(decoded(JSON.stringify(body)), body)
    assert.strictEqual(decodeMontaErrorBody(body).statusCode, 401)
  })

  it("notes: 401 with a bad or expired access token (also the /auth/refresh example), INVALID_ACCESS_TOKEN", () => {
    // monta-partner-api-notes.md, "Error bodies": 401 with a bad or expired access token example
    const body = { status: "UNAUTHORIZED", message: "Invalid access token", errorCode: "INVALID_ACCESS_TOKEN" }
    assert.deepStrictEqual(decoded(body), body)
    assert.strictEqual(decodeMontaErrorBody(body).errorCode, "INVALID_ACCESS_TOKEN")
  })

  it("notes: 403 FORBIDDEN, ACCESS_FORBIDDEN", () => {
    // monta-partner-api-notes.md, "Error bodies": 403 example
    const body = { status: "FORBIDDEN", message: "Access forbidden", errorCode: "ACCESS_FORBIDDEN" }
    assert.deepStrictEqual(decoded(JSON.stringify(body)), body)
    assert.strictEqual(decodeMontaErrorBody(body).statusCode, 403)
  })

  it("notes: 404 NOT_FOUND with readableMessage and context", () => {
    // monta-partner-api-notes.md, "Error bodies": 404 example
    const body = {
      status: "NOT_FOUND",
      message: "Resource not found",
      errorCode: "RESOURCE_NOT_FOUND",
      readableMessage: "The charge point could not be found",
      context: "chargePointId=42"
    }
    const result = decodeMontaErrorBody(JSON.stringify(body))
    assert.deepStrictEqual({ ...result }, body)
    assert.strictEqual(result.readableMessage, "The charge point could not be found")
    assert.strictEqual(result.context, "chargePointId=42")
    assert.strictEqual(result.statusCode, 404)
  })

  it("SPEC 1: numbers still decode; an unknown status name is kept without a code; wrong types dropped", () => {
    assert.strictEqual(decodeMontaErrorBody({ status: 429 }).statusCode, 429)
    assert.deepStrictEqual(decoded({ status: "I_AM_A_TEAPOT" }), { status: "I_AM_A_TEAPOT" })
    assert.isUndefined(decodeMontaErrorBody({ status: "I_AM_A_TEAPOT" }).statusCode)
    assert.isUndefined(decodeMontaErrorBody({}).statusCode)
    assert.isUndefined(decodeMontaErrorBody({ status: "toString" }).statusCode)
    assert.deepStrictEqual(decoded({ status: "Not Found", readableMessage: 7, context: null }), {})
    assert.deepStrictEqual(decoded({ context: { id: 42 } }), { context: { id: 42 } })
  })
})
