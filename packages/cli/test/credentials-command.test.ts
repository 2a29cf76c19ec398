import { assert, describe, layer } from "@effect/vitest"
import { MontaFake } from "@monta-auth/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Micro from "effect/Micro"
import * as Option from "effect/Option"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ExitCode } from "../src/index.js"
import { cachedToken } from "../src/internal/cachedToken.js"
import type { CliResult } from "./run-cli.js"
import { runCli } from "./run-cli.js"

const demo = MontaFake.demoConsumer
const team = MontaFake.teamConsumer
const wrongSecret = "not-the-writer-secret"

/** Two named credentials (C1's variables): `reader` is the team consumer, `writer` the demo one. */
const envOf = (fake: MontaFake["Type"], overrides: Record<string, string> = {}) => ({
  MONTA_BASE_URL: fake.baseUrl,
  MONTA_CREDENTIALS: "reader,writer",
  MONTA_READER_CLIENT_ID: team.clientId,
  MONTA_READER_CLIENT_SECRET: team.clientSecret,
  MONTA_WRITER_CLIENT_ID: demo.clientId,
  MONTA_WRITER_CLIENT_SECRET: demo.clientSecret,
  ...overrides
})

/** No secret of any credential on stdout or stderr. */
const assertNoSecret = (results: ReadonlyArray<CliResult>) => {
  for (const result of results) {
    for (const secret of [demo.clientSecret, team.clientSecret, wrongSecret]) {
      assert.notInclude(result.stdout, secret)
      assert.notInclude(result.stderr, secret)
    }
  }
}

const oneLine = (text: string) => text.trimEnd().split("\n").length === 1

describe("monta-auth --credential NAME and monta-auth credentials (the real binary against MontaFake)", () => {
  layer(MontaFake.layerServer(), { timeout: "120 seconds", excludeTestServices: true })((it) => {
    it.effect(
      "C1 token --credential reader: MONTA_READER_* instead of the plain pair; the cache is keyed by its client id and the fast path (P8) reads the same entry",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          yield* fake.resetJournal
          const cache = join(mkdtempSync(join(tmpdir(), "monta-auth-cli-credential-")), "token.json")
          // The plain pair names the demo client: --credential must not use it.
          const env = envOf(fake, { MONTA_CLIENT_ID: demo.clientId, MONTA_CLIENT_SECRET: demo.clientSecret })
          const args = ["token", "--credential", "reader", "--token-cache", cache]
          const first = yield* runCli(args, env)
          assert.strictEqual(first.code, ExitCode.Ok, first.stderr)
          assert.strictEqual(first.stderr, "")
          const issued = yield* fake.tokensOf(team.clientId)
          assert.strictEqual(first.stdout, `${issued[0]!.accessToken}\n`)
          assert.lengthOf(yield* fake.tokensOf(demo.clientId), 0)
          assert.deepStrictEqual(Object.keys(JSON.parse(readFileSync(cache, "utf8"))), [team.clientId])

          // The fast path of bin.ts answers this very call from the cache with the same token...
          const now = yield* Clock.currentTimeMillis
          const fast = yield* Effect.promise(() => Micro.runPromise(cachedToken(args, env, now)))
          assert.strictEqual(Option.getOrUndefined(fast), first.stdout.trimEnd())
          const second = yield* runCli(args, env)
          assert.strictEqual(second.code, ExitCode.Ok, second.stderr)
          assert.strictEqual(second.stdout, first.stdout)
          assert.strictEqual((yield* fake.counters).tokenRequests, 1, "the second call asked for a new token")

          // ...and leaves a configuration the full command refuses to it: exit 2 naming the variable.
          const badScopes = { ...env, MONTA_READER_SCOPES: "charge-points" }
          assert.isTrue(Option.isNone(yield* Effect.promise(() => Micro.runPromise(cachedToken(args, badScopes, now)))))
          const refused = yield* runCli(args, badScopes)
          assert.strictEqual(refused.code, ExitCode.Usage)
          assert.strictEqual(
            refused.stderr,
            "monta-auth: MONTA_READER_SCOPES must be scopes of the form entity:permission, separated by commas\n"
          )
          assert.strictEqual(refused.stdout, "")
          assertNoSecret([first, second, refused])
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "C1 me and check --credential NAME use that credential; a missing variable is exit 2 naming it; not with --client-id",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const env = envOf(fake)
          const [me, readerCheck, writerCheck, missing, both] = yield* Effect.all([
            runCli(["me", "--json", "--credential", "reader"], env),
            runCli(["check", "--credential", "reader", "charge-points:write"], env),
            runCli(["check", "--credential=writer", "charge-points:write"], env),
            runCli(["me", "--credential", "ops-eu"], { ...env, MONTA_OPS_EU_CLIENT_ID: "ops-client-id" }),
            runCli(["token", "--credential", "reader", "--client-id", demo.clientId], env)
          ], { concurrency: 3 })
          assert.strictEqual(me.code, ExitCode.Ok, me.stderr)
          assert.strictEqual(JSON.parse(me.stdout).clientId, team.clientId)
          assert.strictEqual(readerCheck.code, ExitCode.ScopeMissing, readerCheck.stderr)
          assert.match(readerCheck.stderr, /not granted: charge-points:write \(client team-client-id/)
          assert.strictEqual(writerCheck.code, ExitCode.Ok, writerCheck.stderr)
          assert.strictEqual(missing.code, ExitCode.Usage)
          assert.strictEqual(
            missing.stderr,
            "monta-auth: no client secret for credential ops-eu: set MONTA_OPS_EU_CLIENT_SECRET\n"
          )
          assert.strictEqual(both.code, ExitCode.Usage)
          assert.strictEqual(
            both.stderr,
            "monta-auth: --credential names the client id and secret: drop --client-id and --client-secret\n"
          )
          for (const result of [missing, both]) assert.strictEqual(result.stdout, "")
          assertNoSecret([me, readerCheck, writerCheck, missing, both])
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "C1 credentials lists each credential of MONTA_CREDENTIALS in order with client id and /consumers/me's scopes, never a secret",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          yield* fake.resetJournal
          const [table, json] = yield* Effect.all([
            runCli(["credentials"], envOf(fake)),
            // Scopes declared in the environment do not stand in for the server's answer.
            runCli(["credentials", "--json"], envOf(fake, { MONTA_WRITER_SCOPES: "charges:write" }))
          ], { concurrency: "unbounded" })
          assert.strictEqual(table.code, ExitCode.Ok, table.stderr)
          assert.strictEqual(table.stderr, "")
          const lines = table.stdout.trimEnd().split("\n")
          assert.lengthOf(lines, 3)
          assert.match(lines[0]!, /^\s+Name\s+Client id\s+Scopes$/)
          assert.match(lines[1]!, /^\s+reader\s+team-client-id\s+charge-points:read, wallet-transactions:read$/)
          assert.match(lines[2]!, /^\s+writer\s+demo-client-id\s+all:delete$/)
          assert.strictEqual(json.code, ExitCode.Ok, json.stderr)
          assert.deepStrictEqual(JSON.parse(json.stdout), [
            { name: "reader", clientId: team.clientId, scopes: ["charge-points:read", "wallet-transactions:read"] },
            { name: "writer", clientId: demo.clientId, scopes: ["all:delete"] }
          ])
          assert.isAtLeast((yield* fake.counters).tokenRequests, 4, "each credential logged in in each run")
          assertNoSecret([table, json])
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "C1 credentials: a refused credential is exit 3 naming it (the others still listed), no MONTA_CREDENTIALS is 2, an unreachable API 4",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const unreachable = "http://127.0.0.1:1/api/v1"
          const [refused, refusedJson, unconfigured, down] = yield* Effect.all([
            runCli(["credentials"], envOf(fake, { MONTA_WRITER_CLIENT_SECRET: wrongSecret })),
            runCli(["credentials", "--json"], envOf(fake, { MONTA_WRITER_CLIENT_SECRET: wrongSecret })),
            runCli(["credentials"], { MONTA_BASE_URL: fake.baseUrl }),
            runCli(["credentials", "--base-url", unreachable, "--timeout", "10"], envOf(fake))
          ], { concurrency: 2 })
          assert.strictEqual(refused.code, ExitCode.CredentialsRefused)
          assert.match(refused.stdout, /reader\s+team-client-id\s+charge-points:read/)
          assert.match(refused.stdout, /writer\s+demo-client-id\s+✗ credentials refused/)
          assert.isTrue(oneLine(refused.stderr), refused.stderr)
          assert.match(
            refused.stderr,
            /^monta-auth: credential writer: .* refused the credentials of client demo-client-id \(HTTP 401/
          )
          assert.strictEqual(refusedJson.code, ExitCode.CredentialsRefused)
          const listed = JSON.parse(refusedJson.stdout)
          assert.deepStrictEqual(listed[0], {
            name: "reader",
            clientId: team.clientId,
            scopes: ["charge-points:read", "wallet-transactions:read"]
          })
          assert.strictEqual(listed[1].exitCode, ExitCode.CredentialsRefused)
          assert.match(listed[1].error, /refused the credentials of client demo-client-id/)
          assert.strictEqual(unconfigured.code, ExitCode.Usage)
          assert.strictEqual(unconfigured.stderr, "monta-auth: no credential names: set MONTA_CREDENTIALS\n")
          assert.strictEqual(unconfigured.stdout, "")
          assert.strictEqual(down.code, ExitCode.Unavailable)
          assert.isTrue(oneLine(down.stderr), down.stderr)
          assert.match(
            down.stderr,
            /^monta-auth: credential reader: cannot reach http:\/\/127\.0\.0\.1:1\/api\/v1 .*; credential writer: cannot reach/
          )
          assertNoSecret([refused, refusedJson, unconfigured, down])
        }),
      { timeout: 180_000 }
    )
  })

  layer(MontaFake.layer(), { excludeTestServices: true })((it) => {
    it.effect("C1 --help lists credentials, and --credential on token, me and check", () =>
      Effect.gen(function*() {
        const [root, ...subcommands] = yield* Effect.all(
          [
            runCli(["--help"]),
            ...["token", "me", "check", "credentials"].map((command) => runCli([command, "--help"]))
          ],
          { concurrency: 2 }
        )
        assert.include(root!.stdout, "- credentials")
        for (const result of subcommands.slice(0, 3)) assert.include(result.stdout, "--credential text")
        assert.strictEqual(subcommands[3]!.code, ExitCode.Ok, subcommands[3]!.stderr)
        assert.include(subcommands[3]!.stdout, "MONTA_CREDENTIALS")
        assert.notInclude(subcommands[3]!.stdout, "--client-secret")
      }), { timeout: 180_000 })
  })
})
