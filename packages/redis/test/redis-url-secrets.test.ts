import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"
import { RedisRateLimiterStore, RedisTokenStore } from "../src/index.js"
import { safeUrl } from "../src/internal/connection.js"
import { freePort } from "./support/redis-server.js"

const password = "hunter2-redis-password"

/** Every form of a password ioredis accepts in a URL. */
const urlsFor = (port: number) => [
  `redis://:${password}@127.0.0.1:${port}`,
  `redis://default:${password}@127.0.0.1:${port}/2`,
  `redis://127.0.0.1:${port}?password=${password}`,
  `redis://127.0.0.1:${port}/0?password=${encodeURIComponent(password)}&family=4`,
  `rediss://user:${encodeURIComponent(password)}@127.0.0.1:${port}`
]

describe("Redis URLs in logs (issue: no password in any log line)", () => {
  it("safeUrl keeps scheme, host, port and database, never userinfo or query", () => {
    for (const url of urlsFor(6379)) {
      const shown = safeUrl(url)
      assert.notInclude(shown, password)
      assert.notInclude(shown, encodeURIComponent(password))
      assert.include(shown, "127.0.0.1:6379")
      assert.include(shown, "credentials not shown")
    }
    assert.strictEqual(safeUrl("redis://127.0.0.1:6379/3"), "redis://127.0.0.1:6379/3")
  })

  it.live(
    "section 9: a Redis that is down, with the password in the URL: no log line or error holds it",
    () =>
      Effect.gen(function*() {
        const port = yield* Effect.promise(() => freePort())
        const texts: Array<string> = []
        const logger = Logger.make(({ cause, message }) => {
          texts.push(inspect(message, { depth: 10 }), Cause.pretty(cause))
        })
        for (const url of urlsFor(port)) {
          const layer = Layer.merge(
            RedisTokenStore.layer({
              url,
              encryptionKey: Redacted.make("0123456789abcdef0123456789abcdef"),
              connectTimeout: "200 millis",
              commandTimeout: "200 millis"
            }),
            RedisRateLimiterStore.layer({ url, connectTimeout: "200 millis", commandTimeout: "200 millis" })
          )
          const exit = yield* Effect.exit(Effect.scoped(Layer.build(layer))).pipe(
            Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
            Logger.withMinimumLogLevel(LogLevel.All)
          )
          if (Exit.isFailure(exit)) texts.push(Cause.pretty(exit.cause), inspect(exit.cause, { depth: 10 }))
        }
        assert.isAbove(texts.length, 0)
        for (const text of texts) {
          assert.notInclude(text, password)
          assert.notInclude(text, encodeURIComponent(password))
        }
      }),
    30_000
  )
})
