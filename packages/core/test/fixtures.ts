import type * as HttpClient from "@effect/platform/HttpClient"
import { MontaAuth, type MontaAuthOptions } from "@monta-auth/core"
import { MontaFake, type MontaFakeOptions } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

/** MontaAuth options for the fake's demo consumer (in-memory fake: `http://monta.fake`). */
export const demoOptions = (options: Partial<MontaAuthOptions> = {}): MontaAuthOptions => ({
  clientId: MontaFake.demoConsumer.clientId,
  clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
  baseUrl: "http://monta.fake/api/v1",
  allowInsecure: true,
  ...options
})

/** MontaAuth on the in-memory MontaFake, both in the context. */
export const authOnFake = (
  options: Partial<MontaAuthOptions> = {},
  fakeOptions?: MontaFakeOptions
): Layer.Layer<MontaAuth | MontaFake | HttpClient.HttpClient, never> =>
  MontaAuth.layer(demoOptions(options)).pipe(Layer.orDie, Layer.provideMerge(MontaFake.layerTest(fakeOptions)))

/** Lets forked fibers run until they block (the in-memory fake answers without time passing). */
export const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
})
