import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { MontaAuth, type MontaAuthOptions, MontaHttpClient, type MontaHttpClientOptions } from "@monta-auth/core"
import { type ConsumerInput, MontaFake, type MontaFakeOptions } from "@monta-auth/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** A credential with a small budget: 10 requests per 60 s. */
export const smallConsumer: ConsumerInput = {
  clientId: "small-client-id",
  clientSecret: "small-client-secret",
  rateLimit: 10,
  rateLimitIntervalInSeconds: 60
}

/** What went over the wire, and a switch to refuse connections before anything is sent. */
export interface SpyService {
  readonly requests: Array<HttpClientRequest.HttpClientRequest>
  /** The next `n` requests fail like a refused connection (`ECONNREFUSED`), never reaching the fake. */
  refuse: number
}

export class Spy extends Context.Tag("test/Spy")<Spy, SpyService>() {}

const refused = (request: HttpClientRequest.HttpClientRequest) =>
  new HttpClientError.RequestError({
    request,
    reason: "Transport",
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" }),
    description: "connection refused"
  })

/** The in-memory fake behind an `HttpClient` that records every request. */
export const fakeWithSpy = (fakeOptions?: MontaFakeOptions): Layer.Layer<MontaFake | HttpClient.HttpClient | Spy> =>
  Layer.effectContext(Effect.gen(function*() {
    const fake = yield* MontaFake
    const inner = yield* HttpClient.HttpClient
    const spy: SpyService = { requests: [], refuse: 0 }
    const client = HttpClient.transform(inner, (effect, request) =>
      Effect.suspend(() => {
        spy.requests.push(request)
        if (spy.refuse > 0) {
          spy.refuse--
          return Effect.fail(refused(request))
        }
        return effect
      }))
    return Context.make(Spy, spy).pipe(Context.add(HttpClient.HttpClient, client), Context.add(MontaFake, fake))
  })).pipe(Layer.provide(MontaFake.layerTest(fakeOptions)))

/** MontaAuth options for a consumer of the in-memory fake. */
export const authOptions = (
  consumer: ConsumerInput = MontaFake.demoConsumer,
  options: Partial<MontaAuthOptions> = {}
): MontaAuthOptions => ({
  clientId: consumer.clientId,
  clientSecret: Redacted.make(consumer.clientSecret),
  baseUrl: "http://monta.fake/api/v1",
  allowInsecure: true,
  ...options
})

/**
 * `MontaHttpClient.layer` on the real `MontaAuth.layer` on the in-memory fake (demo and team
 * consumers plus `smallConsumer`), with the spy in context.
 */
export const clientOnFake = (
  options: {
    readonly client?: MontaHttpClientOptions | undefined
    readonly consumer?: ConsumerInput | undefined
    readonly auth?: Partial<MontaAuthOptions> | undefined
    readonly fake?: MontaFakeOptions | undefined
  } = {}
): Layer.Layer<MontaHttpClient | MontaAuth | MontaFake | HttpClient.HttpClient | Spy> =>
  MontaHttpClient.layer(options.client).pipe(
    Layer.provideMerge(MontaAuth.layer(authOptions(options.consumer, options.auth)).pipe(Layer.orDie)),
    Layer.provideMerge(fakeWithSpy({
      consumers: [MontaFake.demoConsumer, MontaFake.teamConsumer, smallConsumer],
      ...options.fake
    }))
  )

/** Lets forked fibers run until they block (the in-memory fake answers without time passing). */
export const settle = Effect.gen(function*() {
  for (let i = 0; i < 200; i++) yield* Effect.yieldNow()
})

/** Yields until `condition` holds; dies if it never does. */
export const eventually = <R>(condition: Effect.Effect<boolean, never, R>, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 20_000; i++) {
      if (yield* condition) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`never happened: ${what}`)
  })

/** Requests to a path (relative to `/api/v1`, no query) in the fake's journal. */
export const journalOf = (method: string, path: string) =>
  Effect.flatMap(
    MontaFake,
    (fake) =>
      Effect.map(fake.journal, (journal) => journal.filter((entry) => entry.method === method && entry.path === path))
  )

/** A charge point as the fake sends it (only the fields the tests read). */
export const ChargePoint = Schema.Struct({ id: Schema.Number, name: Schema.String, teamId: Schema.Number })
