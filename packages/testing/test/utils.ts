import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert } from "@effect/vitest"
import { parseMontaDateTime } from "@monta-auth/schema"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ConsumerInput } from "../src/index.js"
import { MontaFake } from "../src/index.js"

/** What a request to the fake got back, whatever its status. */
export interface Answer {
  readonly status: number
  readonly body: unknown
  readonly text: string
  readonly response: HttpClientResponse.HttpClientResponse
}

/** A request to the fake, answered whatever its status. */
export const send = (
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  options: {
    readonly token?: string
    readonly json?: unknown
    readonly text?: string
    readonly contentType?: string
  } = {}
): Effect.Effect<Answer, unknown, MontaFake | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const fake = yield* MontaFake
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(`${fake.baseUrl}${path}`)
    if (options.token !== undefined) request = HttpClientRequest.bearerToken(request, options.token)
    if (options.json !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, options.json)
    if (options.text !== undefined) {
      request = HttpClientRequest.bodyText(request, options.text, options.contentType ?? "application/json")
    }
    const response = yield* client.execute(request)
    const text = yield* response.text
    let body: unknown = text
    try {
      body = text.length > 0 ? JSON.parse(text) : ""
    } catch {
      body = text
    }
    return { status: response.status, body, text, response }
  })

/** The wire form of a token pair. */
export interface WirePair {
  readonly accessToken: string
  readonly refreshToken: string
  readonly accessTokenExpirationDate: string
  readonly refreshTokenExpirationDate: string
}

/** Gets a token pair for a consumer, dying unless the fake answers 200. */
export const login = (consumer: ConsumerInput = MontaFake.demoConsumer) =>
  Effect.gen(function*() {
    const { body, status } = yield* send("POST", "/auth/token", {
      json: { clientId: consumer.clientId, clientSecret: consumer.clientSecret }
    })
    if (status !== 200) return yield* Effect.dieMessage(`login answered ${status}`)
    return body as WirePair
  })

/** The instant a Monta date means, to the millisecond: the digits past the third are dropped. */
export const epochOf = (date: string): number => DateTime.toEpochMillis(Option.getOrThrow(parseMontaDateTime(date)))

/** A date written as the real service writes it: 9 fractional digits, not all zero past the millisecond. */
export const nanoDate = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?!000000)\d{6}Z$/

/** Asserts that `date` is written with nanoseconds and means the millisecond `millis` (truncated). */
export const assertMontaDate = (date: string, millis: number) => {
  assert.match(date, nanoDate)
  assert.strictEqual(epochOf(date), millis, date)
}

/** The wire JSON of a page of charge points or wallet transactions. */
export interface ItemPage {
  readonly data: ReadonlyArray<{ readonly id: number; readonly teamId: number }>
  readonly meta: {
    readonly currentPage: number
    readonly perPage: number
    readonly itemCount: number
    readonly totalPageCount: number
    readonly totalItemCount: number
  }
}
