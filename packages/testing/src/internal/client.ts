import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { MontaFake, MontaFakeOptions, MontaFakeService, MontaFakeWebhookClient } from "../MontaFake.js"
import * as internal from "./fake.js"

type WebBody = NonNullable<NonNullable<ConstructorParameters<typeof Request>[1]>["body"]>

const requestBody = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<WebBody | undefined, HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(body.body as WebBody)
    case "Raw":
      return Effect.succeed(body.body as WebBody)
    case "FormData":
      return Effect.succeed(body.formData)
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => {
          const parts = Chunk.toReadonlyArray(chunks)
          const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
          let offset = 0
          for (const part of parts) {
            bytes.set(part, offset)
            offset += part.length
          }
          return bytes as WebBody
        }),
        Effect.mapError((cause) =>
          new HttpClientError.RequestError({ request, reason: "Encode", cause, description: "could not read the body" })
        )
      )
  }
}

/**
 * An `HttpClient` that answers every request with the fake's app, run in the caller's fiber (so
 * the caller's `Clock`, a `TestClock` in tests, is the fake's clock). A dropped connection is a
 * `RequestError` with reason `"Transport"`.
 *
 * @internal
 */
export const makeClient = (fake: MontaFakeService): HttpClient.HttpClient => {
  const handle = internal.internalHandle(fake) ??
    Effect.map(fake.app, (response): internal.Outcome => ({ _tag: "Response", response }))
  return HttpClient.make((request, url, signal) =>
    Effect.gen(function*() {
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : yield* requestBody(request)
      const webRequest = new Request(url, {
        method: request.method,
        headers: request.headers,
        signal,
        ...(body !== undefined ? { body } : {})
      })
      const outcome = yield* Effect.provideService(
        handle,
        HttpServerRequest.HttpServerRequest,
        HttpServerRequest.fromWeb(webRequest)
      )
      if (outcome._tag === "Drop") {
        return yield* new HttpClientError.RequestError({
          request,
          reason: "Transport",
          description: "connection dropped by MontaFake"
        })
      }
      const webResponse = HttpServerResponse.toWeb(outcome.response, { withoutBody: request.method === "HEAD" })
      return HttpClientResponse.fromWeb(request, webResponse)
    })
  )
}

/**
 * The fake under `tag` (the public `MontaFake`, passed in so this module imports it as a type
 * only) plus the in-memory client.
 *
 * @internal
 */
export const layerTest = (
  tag: Context.Tag<MontaFake, MontaFakeService>,
  webhookClient: Context.Tag<MontaFakeWebhookClient, HttpClient.HttpClient>,
  options?: MontaFakeOptions
): Layer.Layer<MontaFake | HttpClient.HttpClient, never, MontaFakeWebhookClient> =>
  Layer.scopedContext(
    Effect.map(
      internal.makeScoped(webhookClient, options),
      (fake) => Context.make(tag, fake).pipe(Context.add(HttpClient.HttpClient, makeClient(fake)))
    )
  )
