/**
 * The examples run as a user runs them: each file as its own process through tsx, from the root of
 * the repository (`pnpm start` is `tsx examples/quickstart.ts`), without any MONTA_* variable, so
 * the quickstart serves MontaFake on localhost instead of calling the real API.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { runProcess } from "../packages/cli/test/run-cli.js"
import { freePort, startRedisServer, stopRedisServer } from "../packages/redis/test/support/redis-server.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url))

/** Runs `tsx examples/<file>` in the repository root and collects its output; killed if interrupted. */
const runExample = (file: string, env: Record<string, string> = {}) =>
  runProcess(tsx, [`examples/${file}`], { cwd: root, env })

/** REDIS_URL when set (CI starts a Redis), otherwise a `redis-server` of this test on a free loopback port. */
const redisUrl = Effect.suspend(() => {
  const fromEnv = process.env["REDIS_URL"]
  if (fromEnv !== undefined && fromEnv !== "") return Effect.succeed(fromEnv)
  return Effect.acquireRelease(
    Effect.promise(() => freePort().then((port) => startRedisServer(port).then((server) => ({ port, server })))),
    ({ server }) => Effect.promise(() => stopRedisServer(server))
  ).pipe(Effect.map(({ port }) => `redis://127.0.0.1:${port}`))
})

/** Where `part` ends in `text`, or -1 when `text` does not hold it. */
const endOf = (text: string, part: string | RegExp): number => {
  if (typeof part === "string") {
    const index = text.indexOf(part)
    return index < 0 ? -1 : index + part.length
  }
  const match = part.exec(text)
  return match === null ? -1 : match.index + match[0].length
}

/** Asserts that `text` holds every one of `parts`, in this order. */
const assertInOrder = (text: string, parts: ReadonlyArray<string | RegExp>) => {
  let from = 0
  for (const part of parts) {
    const end = endOf(text.slice(from), part)
    assert.isAtLeast(end, 0, `no ${String(part)} after offset ${from} in:\n${text}`)
    from += end
  }
}

describe("examples (run as child processes through tsx)", () => {
  it.live("quickstart.ts (pnpm start) exits 0 and prints the sections the README shows", () =>
    Effect.gen(function*() {
      const result = yield* runExample("quickstart.ts")
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      assert.notInclude(result.stdout, "\u001b[", "no colors when stdout is not a terminal")
      assertInOrder(result.stdout, [
        "monta-auth quickstart  against MontaFake on localhost (set MONTA_CLIENT_ID for the real API)",
        "\nCredential\n",
        /^ {2}name +Partner API Demo \(demo-client-id\)$/m,
        /^ {2}scopes +all:delete$/m,
        /^ {2}API +http:\/\/127\.0\.0\.1:\d+\/api\/v1$/m,
        "\nCharge points (42 in 5 pages of 10)\n",
        /^ {2}#1 +Charge point 1 +available +11 kW$/m,
        /^ {2}… +38 more$/m,
        "\nRefresh\n",
        /^ {2}first token +version 1, expires at \+\d+\.\d s$/m,
        /^ {2}refreshed +✓ at \+\d+\.\d s by \/auth\/refresh: version 2$/m,
        /^ {2}new token +valid for \d+\.\d s more/m,
        "\nRate budget\n",
        /^ {2}remaining +\d+ of 1000 requests$/m,
        /^ {2}resets in +\d+ s \(window of 600 s\)$/m,
        /\ndone in \d+\.\d s\. next: npx -y pnpm@10\.34\.8 test, npx -y pnpm@10\.34\.8 monta-auth --help, README\.md\n$/
      ])
    }), { timeout: 60_000 })

  it.live(
    "least-privilege.ts exits 0: a read goes with the read-only credential, a write with the writer, a request neither may make is refused locally (C2, C3)",
    () =>
      Effect.gen(function*() {
        const result = yield* runExample("least-privilege.ts")
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stderr, "")
        assertInOrder(result.stdout, [
          /^read +GET \/charge-points\/1 sent by dashboards-client-id$/m,
          /^write +POST \/charge-points sent by charging-client-id \(HTTP 201\)$/m,
          /^refused locally: GET \/wallet-transactions: missing scope wallet-transactions:read.*\(requests sent: 0\)$/m,
          /^two tokens: different$/m
        ])
      }),
    { timeout: 60_000 }
  )

  it.live(
    "custom-store.ts exits 0; the second run reuses the pair its own TokenStore saved",
    () =>
      Effect.gen(function*() {
        const result = yield* runExample("custom-store.ts")
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stderr, "")
        assert.strictEqual(
          result.stdout,
          [
            "first run:  1 call to /auth/token, pair saved",
            "second run: 1 call to /auth/token in all (pair reused)",
            "stored keys: monta:demo-client-id",
            ""
          ].join("\n")
        )
      }),
    { timeout: 60_000 }
  )

  it.live(
    "webhooks.ts exits 0: MontaWebhook.handler on a Node server receives MontaFake's signed batch; a forged one is 401",
    () =>
      Effect.gen(function*() {
        const result = yield* runExample("webhooks.ts")
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stderr, "")
        assertInOrder(result.stdout, [
          /^receiver +http:\/\/127\.0\.0\.1:\d+\/monta\/webhooks$/m,
          /^created +charge point 251 "Harbour depot" \(POST \/charge-points\)$/m,
          /^received +charge-point 251 created \(signature verified\)$/m,
          /^delivery +completed after 1 attempt\(s\), answered 200$/m,
          /^forged +answered 401; batches handed over: 1$/m
        ])
      }),
    { timeout: 60_000 }
  )

  it.live(
    "fleet.ts exits 0: two instances on one Redis share one access token (one call to /auth/token)",
    () =>
      Effect.gen(function*() {
        const url = yield* redisUrl
        const result = yield* runExample("fleet.ts", { REDIS_URL: url })
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stderr, "")
        assert.strictEqual(
          result.stdout,
          [
            "instance 1: 250 charge points; instance 2: 250 charge points",
            "same access token on both: true",
            "calls to /auth/token for the fleet: 1",
            ""
          ].join("\n")
        )
      }).pipe(Effect.scoped),
    { timeout: 60_000 }
  )
})
