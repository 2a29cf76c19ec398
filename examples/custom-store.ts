/**
 * A token store of your own: `TokenStore.makeSimple` turns plain load/save/clear into a whole
 * `TokenStore` (compare-and-set, a refresh lease and `awaitNewer` in this process, every call bounded). Here the backend is a key-value table (a `Map` standing in for
 * your database) holding each pair as JSON; the run shows a restart reusing the stored pair.
 *
 * Run it: `npx tsx examples/custom-store.ts` (in memory against MontaFake, no network).
 */
import { MontaAuth, StoredToken, TokenStore, TokenStoreError } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import { Console, Effect, Layer, Option, Redacted, Schema } from "effect"

/** Your storage: anything that can keep a string per key (a SQL table, a secrets manager, ...). */
const table = new Map<string, string>()

/** The pair as JSON, and back. The JSON holds the tokens in clear: encrypt it if the storage is shared. */
const StoredTokenJson = Schema.parseJson(StoredToken)

const KeyValueTokenStore: Layer.Layer<TokenStore> = Layer.effect(
  TokenStore,
  TokenStore.makeSimple({
    load: (clientId) =>
      Option.match(Option.fromNullable(table.get(`monta:${clientId}`)), {
        onNone: () => Effect.succeedNone,
        onSome: (json) =>
          Schema.decode(StoredTokenJson)(json).pipe(
            Effect.map(Option.some),
            Effect.mapError((error) => new TokenStoreError({ operation: "load", detail: error.message }))
          )
      }),
    save: (token) =>
      Schema.encode(StoredTokenJson)(token).pipe(
        Effect.map((json) => void table.set(`monta:${token.clientId}`, json)),
        Effect.mapError((error) => new TokenStoreError({ operation: "save", detail: error.message }))
      ),
    clear: (clientId) => Effect.sync(() => void table.delete(`monta:${clientId}`))
  })
)

/** One run of a program: a fresh MontaAuth (as after a restart) on the same store. */
const AuthLive = (fake: MontaFake["Type"]) =>
  MontaAuth.layerWithStore({
    clientId: MontaFake.demoConsumer.clientId,
    clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
    baseUrl: fake.baseUrl,
    allowInsecure: true // MontaFake's in-memory host is plain http
  }).pipe(Layer.provide(KeyValueTokenStore))

const useToken = Effect.flatMap(MontaAuth, (auth) => auth.accessToken)

const program = Effect.gen(function*() {
  const fake = yield* MontaFake
  yield* useToken.pipe(Effect.provide(AuthLive(fake)))
  yield* Console.log(`first run:  ${(yield* fake.counters).tokenRequests} call to /auth/token, pair saved`)
  yield* useToken.pipe(Effect.provide(AuthLive(fake)))
  yield* Console.log(`second run: ${(yield* fake.counters).tokenRequests} call to /auth/token in all (pair reused)`)
  yield* Console.log(`stored keys: ${Array.from(table.keys()).join(", ")}`)
})

Effect.runPromise(program.pipe(Effect.provide(MontaFake.layerTest())))
