/**
 * `monta-auth fake-server`: MontaFake on 127.0.0.1 with demo credentials, loaded only when it runs.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { ConsumerInput, MontaFake } from "@monta-auth/testing"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { usage } from "./failure.js"
import * as Style from "./style.js"

/** `fake-server --port` when not given; the help shows it. */
const defaultPort = 4545

const fakeOptions = {
  port: Options.integer("port").pipe(
    Options.withDescription(`The port on 127.0.0.1; 0 picks a free one. Default: ${defaultPort}.`),
    Options.withDefault(defaultPort)
  ),
  accessTokenLifetime: Options.integer("access-token-lifetime").pipe(
    Options.withDescription("Seconds an access token lives (default 3600): make it short to watch refreshes."),
    Options.optional
  ),
  refreshTokenLifetime: Options.integer("refresh-token-lifetime").pipe(
    Options.withDescription("Seconds a refresh token lives (default 86400)."),
    Options.optional
  ),
  webhookUrl: Options.text("webhook-url").pipe(
    Options.withDescription(
      "POST the demo consumer's webhook deliveries (every event type, signed with its webhook secret) to this " +
        "http(s) URL: charge points created, updated or deleted through the fake are batched about every 2 s."
    ),
    Options.optional
  )
}

const describeConsumer = (consumer: ConsumerInput): ReadonlyArray<string> => [
  consumer.clientId,
  consumer.clientSecret,
  (consumer.scopes ?? []).join(" "),
  consumer.teamIds === undefined || consumer.teamIds.length === 0 ? "all" : consumer.teamIds.join(", "),
  `${consumer.rateLimit} / ${Style.seconds(consumer.rateLimitIntervalInSeconds ?? 0)}`
]

/** Serves the fake of `Fake` (the module is loaded by the command, so other commands never load it). */
const serveFake = (Fake: typeof MontaFake, options: Command.Command.ParseConfig<typeof fakeOptions>) =>
  Effect.gen(function*() {
    const fake = yield* Fake
    const demo = Fake.demoConsumer
    if (Option.isSome(options.webhookUrl) && !/^https?:\/\/[^/]/.test(options.webhookUrl.value)) {
      return yield* usage("--webhook-url must be an http:// or https:// URL")
    }
    yield* Console.log([
      `MontaFake serves the Monta Partner API on ${Style.bold(fake.baseUrl)}`,
      "",
      Style.columns([
        ["client id", "client secret", "scopes", "teams", "rate limit"],
        describeConsumer(demo),
        describeConsumer(Fake.teamConsumer)
      ]),
      "",
      "In another terminal:",
      Style.cyan(`  export MONTA_BASE_URL=${fake.baseUrl}`),
      Style.cyan(`  export MONTA_CLIENT_ID=${demo.clientId}`),
      Style.cyan(`  export MONTA_CLIENT_SECRET=${demo.clientSecret}`),
      Style.cyan("  monta-auth me"),
      "",
      ...(Option.isSome(options.webhookUrl)
        ? [
          `Webhooks of ${demo.clientId} go to ${Style.bold(options.webhookUrl.value)}, signed with:`,
          Style.cyan(`  export MONTA_WEBHOOK_SECRET=${Redacted.value(yield* fake.webhookSecret(demo.clientId))}`),
          ""
        ]
        : []),
      Style.dim("Tokens and data live in memory. Ctrl-C stops the server.")
    ].join("\n"))
    return yield* Effect.never
  }).pipe(
    Effect.provide(Fake.layerServer({
      port: options.port,
      accessTokenLifetime: Option.getOrUndefined(Option.map(options.accessTokenLifetime, Duration.seconds)),
      refreshTokenLifetime: Option.getOrUndefined(Option.map(options.refreshTokenLifetime, Duration.seconds)),
      webhook: Option.getOrUndefined(Option.map(options.webhookUrl, (url) => ({ url })))
    })),
    Effect.catchTag("ServeError", (error) =>
      Effect.fail(
        usage(
          `cannot serve on 127.0.0.1:${options.port}: ${
            error.cause instanceof Error ? error.cause.message : String(error.cause)
          }`
        )
      ))
  )

/** `monta-auth fake-server`. @internal */
export const fakeServer = Command.make(
  "fake-server",
  fakeOptions,
  (options) =>
    Effect.flatMap(
      Effect.promise(() => import("@monta-auth/testing")),
      ({ MontaFake }) => serveFake(MontaFake, options)
    )
).pipe(
  Command.withDescription(
    "Serve MontaFake, a fake Monta Partner API, on 127.0.0.1 with demo credentials, until Ctrl-C."
  )
)
