import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InvalidWebhook } from "../InvalidWebhook.js"

const tooLarge = (max: number) => new InvalidWebhook({ reason: "TooLarge", detail: `over ${max} bytes` })

/**
 * The request body, read once and never past `max` bytes: a `Content-Length` over the cap is
 * refused before anything is read, and a body that turns out longer (chunked, or a length that
 * lies) is refused as soon as the bytes pass the cap. A body that cannot be read is `Malformed`.
 */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  max: number
): Effect.Effect<Uint8Array, InvalidWebhook> => {
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > max) return Effect.fail(tooLarge(max))
  if (declared === "0") return Effect.succeed(new Uint8Array(0))
  let size = 0
  return request.stream.pipe(
    Stream.mapError(() => new InvalidWebhook({ reason: "Malformed", detail: "the body could not be read" })),
    Stream.runFoldEffect([] as Array<Uint8Array>, (chunks, chunk) => {
      size += chunk.length
      if (size > max) return Effect.fail(tooLarge(max))
      chunks.push(chunk)
      return Effect.succeed(chunks)
    }),
    Effect.map((chunks) => chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
  )
}
