/**
 * `monta-auth webhook verify`: checks a saved Monta webhook delivery (W6), the body on stdin, the
 * `X-Monta-Signature` value as `--signature`, the secret from an environment variable (never a
 * flag: flags show up in `ps`, and the secret is never printed).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { WebhookBatch } from "@monta-auth/webhooks"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { CommandFailed } from "../CommandFailed.js"
import { usage } from "./failure.js"

/** The exit code of a delivery that does not verify, as `check` uses 1 for a scope not granted. */
const invalidExitCode = 1

/** A saved delivery larger than this is refused (Monta's batches are far smaller). */
const maxBodyBytes = 16 * 1024 * 1024

const options = {
  signature: Options.text("signature").pipe(
    Options.withDescription("The X-Monta-Signature header of the delivery: sha1=<40 hex digits>.")
  ),
  secretEnv: Options.text("secret-env").pipe(
    Options.withDescription("The environment variable holding the webhook secret. Default: MONTA_WEBHOOK_SECRET."),
    Options.withDefault("MONTA_WEBHOOK_SECRET")
  ),
  tolerance: Options.integer("tolerance").pipe(
    Options.withDescription(
      "Seconds the batch timestamp may be from now, either way (default 300, the handler's default). " +
        "A delivery saved earlier than that is Stale unless --any-time is given."
    ),
    Options.withDefault(300)
  ),
  anyTime: Options.boolean("any-time").pipe(
    Options.withDescription("Check the signature and the body only, not how old the batch timestamp is.")
  )
}

// Loaded when the command runs, so that other commands never load them (SPEC P8).
const load = Effect.promise(async () => {
  const [webhooks, NodeStream] = await Promise.all([
    import("@monta-auth/webhooks"),
    import("@effect/platform-node/NodeStream")
  ])
  return { MontaWebhook: webhooks.MontaWebhook, NodeStream }
})

const readStdin = Effect.flatMap(load, ({ NodeStream }) =>
  process.stdin.isTTY
    ? Effect.fail(
      usage("pipe the delivery's body on stdin: monta-auth webhook verify --signature sha1=... < body.json")
    )
    : NodeStream.toUint8Array(() => process.stdin, {
      maxBytes: maxBodyBytes,
      onFailure: () => usage(`cannot read the body on stdin (at most ${maxBodyBytes} bytes)`)
    }))

const secretFrom = (variable: string) =>
  Config.option(Config.redacted(variable)).pipe(
    Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>()),
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(usage(`no webhook secret: set ${variable} or name another variable with --secret-env`)),
      onSome: (secret) =>
        Redacted.value(secret) === "" ? Effect.fail(usage(`${variable} is empty`)) : Effect.succeed(secret)
    }))
  )

const describeAge = (timestamp: number, now: number) => {
  const seconds = Math.round((now - timestamp) / 1000)
  return seconds >= 0 ? `${seconds} s ago` : `${-seconds} s ahead`
}

/** One line: how many entries of which kinds, pending, and when Monta sent the batch. */
const summary = (batch: WebhookBatch, now: number) => {
  const kinds = new Map<string, number>()
  for (const entry of batch.entries) {
    const kind = `${entry.entityType} ${entry.eventType}`
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  const listed = [...kinds].map(([kind, count]) => count === 1 ? kind : `${kind} x${count}`).join(", ")
  const sent = Number.isFinite(batch.timestamp) && Math.abs(batch.timestamp) < 8.64e15
    ? `${new Date(batch.timestamp).toISOString()} (${describeAge(batch.timestamp, now)})`
    : String(batch.timestamp)
  return `valid: ${batch.entries.length} ${batch.entries.length === 1 ? "entry" : "entries"}` +
    `${listed === "" ? "" : ` (${listed})`}, ${batch.pending} pending, sent ${sent}`
}

const verify = Command.make("verify", options, (options) =>
  Effect.gen(function*() {
    if (options.tolerance < 0) return yield* usage("--tolerance must be 0 or more seconds")
    const secret = yield* secretFrom(options.secretEnv)
    const body = yield* readStdin
    const { MontaWebhook } = yield* load
    const batch = yield* MontaWebhook.verify({
      secret,
      body,
      signature: options.signature,
      tolerance: options.anyTime ? Duration.infinity : Duration.seconds(options.tolerance)
    }).pipe(
      Effect.mapError((error) =>
        new CommandFailed({ exitCode: invalidExitCode, reason: `invalid: ${error.reason}: ${error.message}` })
      )
    )
    yield* Console.log(summary(batch, yield* Clock.currentTimeMillis))
  })).pipe(
    Command.withDescription(
      "Verify a saved Monta webhook delivery: the body on stdin, its X-Monta-Signature as --signature, the secret " +
        "from MONTA_WEBHOOK_SECRET (or --secret-env). Exit 0 when valid (one line of summary), 1 when not (the " +
        "reason on stderr), 2 on bad usage."
    )
  )

/** @internal */
export const webhook = Command.make("webhook").pipe(
  Command.withDescription("Tools for Monta's webhook deliveries."),
  Command.withSubcommands([verify])
)
