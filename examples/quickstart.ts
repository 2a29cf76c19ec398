/**
 * The quickstart, `pnpm start`: MontaAuth and MontaHttpClient against MontaFake served on
 * localhost (or against the real API when MONTA_CLIENT_ID is set), in a few seconds.
 *
 * It prints the credential from /auth/me, lists charge points through the paging stream, waits for
 * the proactive refresh (the fake's access tokens live 3 seconds here) and shows the rate budget.
 */
import { type HttpClient, HttpClientResponse } from "@effect/platform"
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { AuthEvent, MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import { Cause, Chunk, Clock, Console, Effect, Layer, Option, Redacted, Schema, Stream } from "effect"

// ---------------------------------------------------------------------------------------------
// The layers: MontaFake on a real socket unless MONTA_CLIENT_ID says to use the real API
// ---------------------------------------------------------------------------------------------

const useRealApi = process.env["MONTA_CLIENT_ID"] !== undefined

/**
 * MontaFake on 127.0.0.1 (a free port), with tokens that live 3 seconds so a refresh shows, and
 * the deprecated `/auth/me` gone as after the provider's sunset (the consumer is `/consumers/me`).
 */
const FakeAuth = Layer.unwrapEffect(Effect.map(MontaFake, (fake) =>
  MontaAuth.layer({
    clientId: MontaFake.demoConsumer.clientId,
    clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
    baseUrl: fake.baseUrl,
    refreshMargin: "1 second",
    jitter: 0
  }))).pipe(
    Layer.provideMerge(
      MontaFake.layerServer({ accessTokenLifetime: "3 seconds", seed: { chargePoints: 42 }, authMe: "gone" })
    )
  )

/** The real API: MONTA_CLIENT_ID, MONTA_CLIENT_SECRET and MONTA_BASE_URL from the environment. */
const RealAuth = MontaAuth.layerConfig().pipe(Layer.provideMerge(NodeHttpClient.layerUndici))

const Auth: Layer.Layer<MontaAuth | HttpClient.HttpClient, unknown> = useRealApi ? RealAuth : FakeAuth

const MontaLive = MontaHttpClient.layer().pipe(Layer.provideMerge(Auth))

// ---------------------------------------------------------------------------------------------
// Output: aligned sections, colors only on a terminal
// ---------------------------------------------------------------------------------------------

const color = process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined
const paint = (code: number) => (text: string) => color ? `\u001b[${code}m${text}\u001b[0m` : text
const bold = paint(1)
const dim = paint(2)
const green = paint(32)

const section = (title: string, rows: ReadonlyArray<readonly [string, string]>) => {
  const width = Math.max(...rows.map(([label]) => label.length))
  return Console.log(
    `\n${bold(title)}\n${rows.map(([label, value]) => `  ${dim(label.padEnd(width))}   ${value}`).join("\n")}`
  )
}

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`

// ---------------------------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------------------------

const ChargePoint = Schema.Struct({
  id: Schema.Number,
  name: Schema.String,
  state: Schema.String,
  maxKw: Schema.Number
})

const program = Effect.gen(function*() {
  const auth = yield* MontaAuth
  const client = yield* MontaHttpClient
  const startedAt = yield* Clock.currentTimeMillis

  // Listen before anything happens: the events stream shows what MontaAuth does, without logs.
  const refreshed = yield* auth.events.pipe(
    Stream.filter(AuthEvent.$is("Refreshed")),
    Stream.runHead,
    Effect.fork
  )
  yield* Effect.yieldNow()

  yield* Console.log(
    `${bold("monta-auth quickstart")}  ${
      dim(
        useRealApi ? `against ${auth.baseUrl}` : "against MontaFake on localhost (set MONTA_CLIENT_ID for the real API)"
      )
    }`
  )

  // 1. The credential, from /auth/me (the first call acquires a token).
  const me = yield* auth.me
  yield* section("Credential", [
    ["name", `${me.name} (${me.clientId})`],
    ["operator", String(me.operatorId)],
    ["teams", me.teamIds.length === 0 ? "every team of the operator" : me.teamIds.join(", ")],
    ["scopes", me.scopes.join(", ")],
    ["API", auth.baseUrl]
  ])

  // 2. Charge points, page by page through the paging stream.
  const pages = yield* MontaHttpClient.pages("/charge-points", ChargePoint, { perPage: 10 }).pipe(
    Stream.runCollect
  )
  const points = Chunk.flatMap(pages, (page) => Chunk.fromIterable(page.data))
  yield* section(`Charge points ${dim(`(${points.length} in ${pages.length} pages of 10)`)}`, [
    ...Chunk.toReadonlyArray(Chunk.take(points, 4)).map((point) =>
      [`#${point.id}`, `${point.name.padEnd(16)} ${point.state.padEnd(10)} ${point.maxKw} kW`] as const
    ),
    ["…", dim(`${Math.max(0, points.length - 4)} more`)]
  ])

  // 3. A refresh: the fake's tokens live 3 s, MontaAuth refreshes them 1 s before expiry. Against
  //    the real API (tokens live an hour) the quickstart drops its token instead.
  const before = yield* auth.current
  if (useRealApi) yield* auth.invalidate()
  const event = yield* auth.accessToken.pipe(
    Effect.zipRight(refreshed),
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("no refresh within 10 seconds") })
  )
  const after = yield* auth.current
  const at = yield* Clock.currentTimeMillis
  yield* section("Refresh", [
    ["first token", `version ${before.version}, expires at +${seconds(before.expiresAt - startedAt)}`],
    [
      "refreshed",
      Option.match(event, {
        onNone: () => "no event",
        onSome: (refresh) => `${green("✓")} at +${seconds(at - startedAt)} by /auth/refresh: version ${refresh.version}`
      })
    ],
    [
      "new token",
      `valid for ${seconds(after.expiresAt - at)} more; the used refresh token is dead, its successor stored`
    ]
  ])

  // 4. The rate budget, as the server counts it (MontaHttpClient keeps under it).
  const response = yield* client.get("/charge-points", { urlParams: { perPage: 1 } })
  const headers = yield* HttpClientResponse.schemaHeaders(Schema.Struct({
    "ratelimit-remaining": Schema.NumberFromString,
    "ratelimit-quota": Schema.NumberFromString,
    "ratelimit-resetsin": Schema.NumberFromString
  }))(response)
  yield* section("Rate budget", [
    ["remaining", `${headers["ratelimit-remaining"]} of ${headers["ratelimit-quota"]} requests`],
    ["resets in", `${headers["ratelimit-resetsin"]} s (window of ${me.rateLimitIntervalInSeconds} s)`]
  ])

  yield* Console.log(
    `\n${
      dim(
        `done in ${
          seconds((yield* Clock.currentTimeMillis) - startedAt)
        }. next: npx -y pnpm@10.34.8 test, npx -y pnpm@10.34.8 monta-auth --help, README.md`
      )
    }`
  )
})

program.pipe(
  Effect.provide(MontaLive),
  Effect.tapErrorCause((cause) => {
    const error = Cause.squash(cause)
    return Console.error(`quickstart failed: ${error instanceof Error ? error.message : String(error)}`)
  }),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
