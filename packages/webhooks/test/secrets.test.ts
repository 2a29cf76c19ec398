import * as Headers from "@effect/platform/Headers"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import { MontaWebhook, WebhookDedupeError } from "../src/index.js"
import { batchBody, entry, post, recordingTracer, secret, secretText, webHandler } from "./support.js"

const now = 1_705_572_000_000

/** Every way a user may show a value: none may contain `secret`. */
const renderings = (value: unknown): ReadonlyArray<string> => [
  String(value),
  JSON.stringify(value) ?? "",
  inspect(value, { depth: 10 }),
  Cause.pretty(Cause.fail(value)),
  value instanceof Error ? value.message + (value.stack ?? "") : ""
]

const assertHidden = (value: unknown, hidden: ReadonlyArray<string>, what: string) => {
  for (const text of renderings(value)) {
    for (const needle of hidden) assert.notInclude(text, needle, what)
  }
}

describe("the webhook secret is never shown", () => {
  it.effect("§9: no InvalidWebhook of any reason renders the secret or the expected signature", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const body = batchBody(now - 3_600_000)
      const expected = MontaWebhook.sign(secret, body)
      const errors = yield* Effect.all([
        MontaWebhook.verify({ secret, body, signature: undefined }),
        MontaWebhook.verify({ secret, body, signature: "sha1=" + "0".repeat(40) }),
        MontaWebhook.verify({ secret, body, signature: "sha1=short" }),
        MontaWebhook.verify({ secret, body: "{", signature: MontaWebhook.sign(secret, "{") }),
        MontaWebhook.verify({ secret, body, signature: expected })
      ].map(Effect.flip))
      assert.deepStrictEqual(errors.map((e) => e.reason), [
        "MissingSignature",
        "BadSignature",
        "BadSignature",
        "Malformed",
        "Stale"
      ])
      for (const error of errors) assertHidden(error, [secretText, expected.slice(5)], error.reason)
    }))

  it.effect("§9: a too-short or too-long MONTA_WEBHOOK_SECRET is a ConfigError naming the variable, never its value", () =>
    Effect.gen(function*() {
      for (const value of ["short-secret-15", "s".repeat(192)]) {
        const error = yield* Effect.flip(
          Effect.withConfigProvider(
            MontaWebhook.secretConfig(),
            ConfigProvider.fromJson({ MONTA_WEBHOOK_SECRET: value })
          )
        )
        assert.include(String(error), "MONTA_WEBHOOK_SECRET")
        assert.include(String(error), "16 to 191")
        assertHidden(error, [value], "ConfigError")
      }
      for (const value of ["s".repeat(16), "s".repeat(191)]) {
        const accepted = yield* Effect.withConfigProvider(
          MontaWebhook.secretConfig(),
          ConfigProvider.fromJson({ MONTA_WEBHOOK_SECRET: value })
        )
        assertHidden(accepted, [value], "the Redacted value")
      }
      const missing = yield* Effect.flip(
        Effect.withConfigProvider(MontaWebhook.secretConfig(), ConfigProvider.fromJson({}))
      )
      assert.include(String(missing), "MONTA_WEBHOOK_SECRET")
      const other = yield* Effect.flip(
        Effect.withConfigProvider(
          MontaWebhook.secretConfig("HOOK_SECRET"),
          ConfigProvider.fromJson({ HOOK_SECRET: "x" })
        )
      )
      assert.include(String(other), "HOOK_SECRET")
    }))

  it.effect("§9: no log line (at every level) and no span attribute of the handler holds the secret or a signature", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const lines: Array<string> = []
      const logger = Logger.make(({ annotations, cause, message }) => {
        lines.push([String(message), Cause.pretty(cause), inspect([...annotations])].join(" "))
      })
      const { spans, tracer } = recordingTracer()
      let calls = 0
      const failing = {
        claim: () => Effect.fail(new WebhookDedupeError({ operation: "claim", detail: "Redis unavailable" })),
        release: () => Effect.void
      }
      const bodies = [batchBody(now, [entry("1")]), batchBody(now - 3_600_000), "{"]
      const run = Effect.gen(function*() {
        const handle = yield* webHandler(MontaWebhook.handler({ secret }, () => {
          calls++
          return calls === 1 ? Effect.fail(new Error("downstream")) : Effect.void
        }))
        const broken = yield* webHandler(MontaWebhook.handler({ secret, dedupe: failing }, () => Effect.void))
        const statuses: Array<number> = []
        for (const body of bodies) {
          statuses.push((yield* handle(post(body))).status)
          statuses.push((yield* handle(post(body))).status)
          statuses.push((yield* handle(post(body, { signature: "sha1=" + "1".repeat(40) }))).status)
          statuses.push((yield* handle(post(body, { signature: null }))).status)
          statuses.push((yield* broken(post(body))).status)
        }
        return statuses
      })
      const statuses = yield* run.pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.withTracer(tracer),
        // The platform's http.server span lists the request headers; the signature is redacted there.
        Effect.locallyWith(Headers.currentRedactedNames, MontaWebhook.redactSignature)
      )
      assert.deepStrictEqual(statuses, [500, 200, 401, 401, 503, 401, 401, 401, 401, 401, 400, 400, 401, 401, 400])
      assert.isAbove(lines.length, 5, "the handler logs refusals and failures")
      assert.isTrue(spans.some((span) => span.name === "MontaWebhook.handler"))
      const server = spans.find((span) => span.name.startsWith("http.server"))
      assert.strictEqual(server?.attributes.get("http.request.header.x-monta-signature"), "<redacted>")
      const signatures = bodies.map((body) => MontaWebhook.sign(secret, body).slice(5))
      for (const line of lines) {
        assert.notInclude(line, secretText)
        for (const signature of signatures) assert.notInclude(line, signature)
      }
      for (const span of spans) {
        const text = inspect([...span.attributes])
        assert.notInclude(text, secretText, span.name)
        for (const signature of signatures) assert.notInclude(text, signature, span.name)
      }
      assert.isTrue(Option.isNone(Option.fromNullable(lines.find((line) => line.includes(secretText)))))
    }))
})
