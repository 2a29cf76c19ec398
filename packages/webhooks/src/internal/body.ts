import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InvalidWebhook } from "../InvalidWebhook.js"

const tooLarge = (max: number) => new InvalidWebhook({ reason: "TooLarge", detail: `over ${max} bytes` })

/**
 * The request body, read once, and never more than `max` bytes of it kept: a `Content-Length` over
 * the cap is refused before anything is read. A body that turns out longer (chunked, no length) is
 * refused too; its bytes past the cap are read and dropped, up to as many again, so that the
 * sender gets its 413 rather than a reset (a server that stops reading cuts the connection). Past
 * twice the cap the reading stops at once. A body that cannot be read is `Malformed`.
 */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  max: number
): Effect.Effect<Uint8Array, InvalidWebhook> => {
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > max) return Effect.fail(tooLarge(max))
  if (declared === "0") return Effect.succeed(new Uint8Array(0))
  // A declared length within the cap is enforced by the HTTP framing of the server: read at once
  // (and checked again).
  if (declared !== undefined && /^\d+$/.test(declared)) {
    return request.arrayBuffer.pipe(
      Effect.mapError(() => new InvalidWebhook({ reason: "Malformed", detail: "the body could not be read" })),
      Effect.flatMap((buffer) =>
        buffer.byteLength > max ? Effect.fail(tooLarge(max)) : Effect.succeed(new Uint8Array(buffer))
      )
    )
  }
  const chunks: Array<Uint8Array> = []
  let size = 0
  return request.stream.pipe(
    Stream.mapError(() => new InvalidWebhook({ reason: "Malformed", detail: "the body could not be read" })),
    Stream.runForEach((chunk) => {
      size += chunk.length
      if (size <= max) chunks.push(chunk)
      else if (size > 2 * max) return Effect.fail(tooLarge(max))
      return Effect.void
    }),
    Effect.flatMap(() =>
      size > max
        ? Effect.fail(tooLarge(max))
        : Effect.succeed(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    )
  )
}
