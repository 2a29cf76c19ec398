import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"
import { authOnFake, settle } from "./fixtures.js"

const clientId = MontaFake.demoConsumer.clientId

describe("secrets", () => {
  it.scoped("section 9: no log line, span, event or error of a run with faults holds the secret or a token", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const spans: Array<Tracer.Span> = []
      const errors: Array<string> = []
      const secrets = new Set<string>([MontaFake.demoConsumer.clientSecret])

      const logger = Logger.make((options) => {
        lines.push(
          [
            options.logLevel.label,
            inspect(options.message, { depth: 10 }),
            Cause.isEmpty(options.cause) ? "" : Cause.pretty(options.cause, { renderErrorCause: true }),
            inspect(options.annotations, { depth: 10 }),
            inspect(options.spans, { depth: 10 })
          ].join(" ")
        )
      })
      const base = yield* Effect.tracer
      const tracer = Tracer.make({
        span: (...args) => {
          const span = base.span(...args)
          spans.push(span)
          return span
        },
        context: base.context
      })

      const run = Effect.gen(function*() {
        const fake = yield* MontaFake
        const auth = yield* MontaAuth
        const events: Array<AuthEvent> = []
        yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
        yield* settle
        const remember = Effect.flatMap(fake.tokensOf(clientId), (issued) =>
          Effect.sync(() => {
            for (const pair of issued) {
              secrets.add(pair.accessToken)
              secrets.add(pair.refreshToken)
            }
          }))
        const attempt = <A, E>(effect: Effect.Effect<A, E>) =>
          Effect.gen(function*() {
            const fiber = yield* Effect.fork(Effect.exit(effect))
            yield* TestClock.adjust("40 seconds")
            const exit = yield* Fiber.join(fiber)
            if (Exit.isFailure(exit)) {
              errors.push(Cause.pretty(exit.cause, { renderErrorCause: true }))
              for (const error of Cause.failures(exit.cause)) {
                errors.push(
                  String(error),
                  JSON.stringify(error),
                  inspect(error, { depth: 10 }),
                  (error as Error).message
                )
              }
            } else {
              errors.push(inspect(exit.value, { depth: 10 }), JSON.stringify(exit.value), String(exit.value))
            }
            yield* remember
          })

        const faults: ReadonlyArray<readonly [string, Fault]> = [
          ["/auth/token", Fault.Status({ status: 503, retryAfter: 1 })],
          ["/auth/token", Fault.MalformedBody()],
          ["/auth/token", Fault.WrongShape()],
          ["/auth/token", Fault.EmptyBody()],
          ["/auth/token", Fault.Drop()],
          ["/auth/token", Fault.Delay({ duration: "20 seconds" })],
          ["/auth/token", Fault.ExpiredToken()]
        ]
        for (const [path, fault] of faults) {
          yield* fake.injectFault({ path, fault })
          yield* attempt(auth.accessToken)
        }
        yield* attempt(auth.current)
        yield* attempt(auth.me)
        for (
          const fault of [
            Fault.WrongShape(),
            Fault.MalformedBody(),
            Fault.Status({ status: 401 }),
            Fault.ExpiredToken()
          ]
        ) {
          yield* fake.injectFault({ path: "/auth/refresh", fault })
          yield* TestClock.adjust("1 hour")
          yield* settle
          yield* attempt(auth.accessToken)
        }
        yield* fake.injectFault({ path: "/consumers/me", times: 5, fault: Fault.Status({ status: 401 }) })
        yield* attempt(auth.me)
        yield* fake.injectFault({ path: "/consumers/me", fault: Fault.WrongShape() })
        yield* auth.invalidate()
        yield* attempt(auth.me)
        yield* attempt(auth.requireScope("charge-points:write"))
        yield* fake.revokeConsumer(clientId)
        yield* auth.invalidate()
        yield* attempt(auth.accessToken)
        yield* attempt(auth.accessToken)
        yield* remember
        for (const event of events) errors.push(JSON.stringify(event), inspect(event, { depth: 10 }))
        return events.length
      }).pipe(Effect.provide(authOnFake({ requestTimeout: "5 seconds", retry: { maxElapsed: "10 seconds" } })))

      const eventCount = yield* run.pipe(
        Effect.withTracer(tracer),
        Effect.provide(Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(LogLevel.All)))
      )

      const spanTexts = spans.map((span) =>
        `${span.name} ${inspect(Object.fromEntries(span.attributes), { depth: 10 })} ${
          inspect((span as unknown as { events?: unknown }).events, { depth: 10 })
        }`
      )
      // The run did what it should: many spans, logs, errors and events to look into.
      assert.isAtLeast(secrets.size, 5)
      assert.isAtLeast(eventCount, 10)
      assert.isAtLeast(errors.length, 20)
      assert.isTrue(spans.some((span) => span.name === "MontaAuth.acquire"))
      assert.isTrue(spans.some((span) => span.name === "MontaAuth.refresh"))
      assert.isTrue(spans.some((span) => span.name === "MontaAuthApi.token"))
      assert.isTrue(spans.some((span) => span.name === "MontaAuthApi.me"))
      assert.isTrue(lines.length > 0)
      // The HttpClient spans record the Authorization header (redacted): the check looks where a leak would be.
      assert.isTrue(spanTexts.some((text) => text.includes("http.request.header.authorization")))
      for (const secret of secrets) {
        for (const text of [...lines, ...spanTexts, ...errors]) {
          assert.notInclude(text, secret)
        }
      }
    }))
})
