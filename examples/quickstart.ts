/**
 * The quickstart (placeholder until the MontaAuth lifecycle lands): prints what is to come.
 */
import { TokenPair } from "@monta-auth/schema"
import { Console, Effect, Schema } from "effect"

const sample = {
  accessToken: "4596d494-5f6c-4f87-aed5-db68240a58dd",
  refreshToken: "bbf8c0ed-dbb0-434f-8512-ab24eb64c46a",
  accessTokenExpirationDate: "2023-02-16T07:53:02.059724728Z",
  refreshTokenExpirationDate: "2023-02-17T06:53:02.059733860Z"
}

const program = Effect.gen(function*() {
  const pair = yield* Schema.decodeUnknown(TokenPair)(sample)
  yield* Console.log("monta-auth quickstart")
  yield* Console.log(`decoded the provider's sample token pair: ${String(pair)}`)
  yield* Console.log("coming next: MontaAuth against the embedded fake Monta API")
})

Effect.runPromise(program)
