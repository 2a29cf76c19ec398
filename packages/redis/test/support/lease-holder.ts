/**
 * A lease holder in a process of its own, for the tests that kill it (SIGKILL: no finalizer runs,
 * the lease stays in Redis until its `PX` expires). It takes the refresh lease of the demo client
 * through `RedisTokenStore.rotate`, starts the refresh against the MontaFake at `FAKE_URL`, says so
 * on stdout, and then waits to be killed.
 *
 * - `MODE=mid-refresh`: prints `refreshing`, then sends `/auth/refresh` (the test holds it in the
 *   fake with a `Fault.Delay`): killed before Monta answers.
 * - `MODE=rotated`: sends `/auth/refresh`, prints `rotated <status>` once Monta answered (the old
 *   refresh token is dead) and never writes the new pair to Redis.
 *
 * Run with `node --import tsx lease-holder.ts`; it is not a test file and imports nothing of vitest.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { MontaFake } from "@monta-auth/testing"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { RedisTokenStore } from "../../src/index.js"
import { rotateOver } from "./protocol.js"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === "") throw new Error(`lease-holder: ${name} is not set`)
  return value
}

const mode = env("MODE")
const fakeUrl = env("FAKE_URL")

// A safety net should the test runner die without killing this process.
setTimeout(() => process.exit(3), 60_000)

const program = Effect.gen(function*() {
  const store = yield* RedisTokenStore.make({
    url: env("REDIS_URL"),
    keyPrefix: env("KEY_PREFIX"),
    encryptionKey: Redacted.make(env("ENCRYPTION_KEY")),
    leaseTtl: Number(env("LEASE_TTL_MILLIS"))
  })
  const client = yield* HttpClient.HttpClient
  yield* rotateOver(store, {
    clientId: MontaFake.demoConsumer.clientId,
    seen: Option.some(1),
    accept: () => false,
    refresh: (latest) =>
      Effect.gen(function*() {
        const stored = Option.getOrThrowWith(latest, () => new Error("lease-holder: no stored pair to refresh"))
        const request = client.execute(
          HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${fakeUrl}/auth/refresh`), {
            refreshToken: Redacted.value(stored.pair.refreshToken)
          })
        )
        if (mode === "mid-refresh") {
          yield* Console.log("refreshing")
          yield* request
        } else {
          const response = yield* request
          yield* Console.log(`rotated ${response.status}`)
        }
        return yield* Effect.never
      })
  })
}).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))

Effect.runPromise(program).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
