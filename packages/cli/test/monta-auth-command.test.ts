import { assert, describe, layer } from "@effect/vitest"
import type { Scope } from "@monta-auth/schema"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ExitCode } from "../src/index.js"
import { runCli, startCli } from "./run-cli.js"

const demo = MontaFake.demoConsumer
const team = MontaFake.teamConsumer

/** The env of a user who exported the demo credential and the fake's URL. */
const envOf = (fake: MontaFake["Type"], consumer = demo) => ({
  MONTA_BASE_URL: fake.baseUrl,
  MONTA_CLIENT_ID: consumer.clientId,
  MONTA_CLIENT_SECRET: consumer.clientSecret
})

const oneLine = (text: string) => text.trimEnd().split("\n").length === 1

describe("monta-auth (the real binary against MontaFake on localhost)", () => {
  layer(MontaFake.layerServer(), { timeout: "120 seconds", excludeTestServices: true })((it) => {
    it.effect(
      "§8 token prints only the access token; --token-cache makes the second call reuse it (no /auth/token)",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          yield* fake.resetJournal
          const cache = join(mkdtempSync(join(tmpdir(), "monta-auth-cli-")), "token.json")
          const first = yield* runCli(["token", "--token-cache", cache], envOf(fake))
          assert.strictEqual(first.code, ExitCode.Ok, first.stderr)
          assert.strictEqual(first.stderr, "")
          const issued = yield* fake.tokensOf(demo.clientId)
          assert.strictEqual(first.stdout, `${issued[0]!.accessToken}\n`)
          assert.strictEqual(statSync(cache).mode & 0o777, 0o600)
          assert.strictEqual((yield* fake.counters).tokenRequests, 1)

          const second = yield* runCli(["token", "--token-cache", cache], envOf(fake))
          assert.strictEqual(second.code, ExitCode.Ok, second.stderr)
          assert.strictEqual(second.stdout, first.stdout)
          const counters = yield* fake.counters
          assert.strictEqual(counters.tokenRequests, 1, "the second call asked for a new token")
          assert.strictEqual(counters.refreshRequests, 0)
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "§8 --token-cache in a folder that does not exist yet: the folder is created, the second call reuses the token",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          yield* fake.resetJournal
          const cache = join(mkdtempSync(join(tmpdir(), "monta-auth-cli-")), "missing-dir", "cache.json")
          const first = yield* runCli(["token", "--token-cache", cache], envOf(fake))
          assert.strictEqual(first.code, ExitCode.Ok, first.stderr)
          assert.strictEqual(first.stderr, "", "the token was not cached")
          const second = yield* runCli(["token", "--token-cache", cache], envOf(fake))
          assert.strictEqual(second.code, ExitCode.Ok, second.stderr)
          assert.strictEqual(second.stdout, first.stdout)
          assert.strictEqual((yield* fake.counters).tokenRequests, 1, "the second call asked for a new token")
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "§8 a token cache that is corrupt or cannot be written is one warning on stderr, never a failure (exit 0)",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const dir = mkdtempSync(join(tmpdir(), "monta-auth-cli-"))
          const corrupt = join(dir, "corrupt.json")
          writeFileSync(corrupt, "{ not json", { mode: 0o600 })
          const notAFolder = join(dir, "a-file")
          writeFileSync(notAFolder, "")
          const [ignored, unwritable] = yield* Effect.all([
            runCli(["token", "--token-cache", corrupt], envOf(fake)),
            runCli(["token", "--token-cache", join(notAFolder, "cache.json")], envOf(fake, team))
          ], { concurrency: "unbounded" })

          // The corrupt file is ignored (once, though it is read on load and before the save) and
          // replaced by the new pair.
          assert.strictEqual(ignored.code, ExitCode.Ok, ignored.stderr)
          assert.strictEqual(
            ignored.stderr,
            `monta-auth: warn: ignoring the token file ${corrupt}: it is not a JSON object\n`
          )
          const demoTokens = (yield* fake.tokensOf(demo.clientId)).map((pair) => pair.accessToken)
          assert.include(demoTokens, ignored.stdout.trimEnd())
          assert.include(readFileSync(corrupt, "utf8"), ignored.stdout.trimEnd())

          // A cache that cannot be read or written: the token lives in memory for this call only.
          assert.strictEqual(unwritable.code, ExitCode.Ok, unwritable.stderr)
          assert.isTrue(oneLine(unwritable.stderr), unwritable.stderr)
          assert.match(unwritable.stderr, /^monta-auth: warn: token store .* failed, keeping the token in memory/)
          const teamTokens = (yield* fake.tokensOf(team.clientId)).map((pair) => pair.accessToken)
          assert.include(teamTokens, unwritable.stdout.trimEnd())
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "§8 me prints the credential as a table, --json as /auth/me does; flags win over the env",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const [table, json] = yield* Effect.all([
            runCli(["me"], envOf(fake)),
            runCli(["me", "--json", "--client-id", team.clientId, "--client-secret", team.clientSecret], envOf(fake))
          ], { concurrency: "unbounded" })
          assert.strictEqual(table.code, ExitCode.Ok, table.stderr)
          for (const expected of ["Partner API Demo", "demo-client-id", "every team of the operator", "all:delete"]) {
            assert.include(table.stdout, expected)
          }
          assert.match(table.stdout, /Rate limit\s+1000 requests per 10 min/)
          assert.match(table.stdout, /Token\s+valid until .* UTC/)
          assert.notInclude(table.stdout, demo.clientSecret)
          assert.notInclude(table.stdout, "\u001b[", "no colors when stdout is not a terminal")
          assert.strictEqual(json.code, ExitCode.Ok, json.stderr)
          // The whole Consumer MontaFake reports (issue 12 item 8), dates as the CLI re-encodes them.
          assert.deepStrictEqual(JSON.parse(json.stdout), {
            name: "Partner API Team 1",
            operatorId: 42,
            operatorIds: [],
            teamIds: [1],
            clientId: "team-client-id",
            rateLimit: 100,
            rateLimitIntervalInSeconds: 60,
            scopes: ["charge-points:read", "wallet-transactions:read"],
            createdAt: "2023-02-16T07:53:02.059Z",
            updatedAt: "2023-11-02T14:21:40.512Z"
          })
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "§8 me lists scopes this version does not understand apart, and check never counts them as granted",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const future = {
            clientId: "future-client-id",
            clientSecret: "future-client-secret",
            // A permission and an entity shape that a later Monta API might send.
            scopes: ["charge-points:read", "charge-points:admin", "Ocpp_Logs:read"] as Array<Scope>
          }
          yield* fake.addConsumer(future)
          const [table, check] = yield* Effect.all([
            runCli(["me"], envOf(fake, future)),
            runCli(["check", "charge-points:write"], envOf(fake, future))
          ], { concurrency: "unbounded" })
          assert.strictEqual(table.code, ExitCode.Ok, table.stderr)
          assert.match(table.stdout, /Scopes\s+charge-points:read\n/)
          assert.match(table.stdout, /Not understood\s+charge-points:admin\n\s+Ocpp_Logs:read\n/)
          assert.strictEqual(check.code, ExitCode.ScopeMissing, check.stderr)
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "§8 check exits 0 when every scope is granted, 1 naming the missing one, 2 for a malformed scope",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const [granted, missing, malformed] = yield* Effect.all([
            runCli(["check", "charge-points:read", "wallet-transactions:read"], envOf(fake, team)),
            runCli(["check", "--json", "charge-points:read", "charge-points:write"], envOf(fake, team)),
            runCli(["check", "charge-points"], envOf(fake, team))
          ], { concurrency: "unbounded" })
          assert.strictEqual(granted.code, ExitCode.Ok, granted.stderr)
          assert.match(granted.stdout, /✓ charge-points:read/)
          assert.strictEqual(missing.code, ExitCode.ScopeMissing)
          assert.deepStrictEqual(JSON.parse(missing.stdout), {
            ok: false,
            required: ["charge-points:read", "charge-points:write"],
            missing: ["charge-points:write"],
            granted: ["charge-points:read", "wallet-transactions:read"]
          })
          assert.isTrue(oneLine(missing.stderr))
          assert.match(missing.stderr, /^monta-auth: not granted: charge-points:write/)
          assert.strictEqual(malformed.code, ExitCode.Usage)
          assert.match(malformed.stderr, /^monta-auth: invalid scope "charge-points"/)
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "§8 errors in one line: missing env names the variable (2), wrong secret (3), unreachable URL (4)",
      () =>
        Effect.gen(function*() {
          const fake = yield* MontaFake
          const unreachable = "http://127.0.0.1:1/api/v1"
          const [noSecret, wrongSecret, down] = yield* Effect.all([
            runCli(["token"], { MONTA_BASE_URL: fake.baseUrl, MONTA_CLIENT_ID: demo.clientId }),
            runCli(["me"], { ...envOf(fake), MONTA_CLIENT_SECRET: "not-the-secret" }),
            runCli(["token", "--base-url", unreachable, "--timeout", "1"], envOf(fake))
          ], { concurrency: "unbounded" })
          assert.strictEqual(noSecret.code, ExitCode.Usage)
          assert.strictEqual(
            noSecret.stderr,
            "monta-auth: no client secret: set MONTA_CLIENT_SECRET or pass --client-secret\n"
          )
          assert.strictEqual(wrongSecret.code, ExitCode.CredentialsRefused)
          assert.isTrue(oneLine(wrongSecret.stderr))
          assert.match(wrongSecret.stderr, /refused the credentials of client demo-client-id \(HTTP 401/)
          assert.notInclude(wrongSecret.stderr, "not-the-secret")
          assert.strictEqual(down.code, ExitCode.Unavailable)
          assert.isTrue(oneLine(down.stderr))
          assert.include(down.stderr, `cannot reach ${unreachable}`)
          for (const result of [noSecret, wrongSecret, down]) assert.strictEqual(result.stdout, "")
        }),
      { timeout: 180_000 }
    )
  })

  layer(MontaFake.layer(), { excludeTestServices: true })((it) => {
    it.effect(
      "§8 --help on the command and on every subcommand, with the defaults of --timeout and --port",
      () =>
        Effect.gen(function*() {
          const commands = ["token", "me", "check", "fake-server"]
          const [root, ...subcommands] = yield* Effect.all(
            [runCli(["--help"]), ...commands.map((command) => runCli([command, "--help"]))],
            { concurrency: "unbounded" }
          )
          assert.strictEqual(root!.code, ExitCode.Ok)
          for (const command of commands) assert.include(root!.stdout, `- ${command}`)
          subcommands.forEach((result, i) => {
            assert.strictEqual(result.code, ExitCode.Ok, result.stderr)
            assert.include(result.stdout, `$ ${commands[i]}`)
          })
          assert.include(subcommands[0]!.stdout, "--token-cache")
          assert.include(subcommands[3]!.stdout, "--port")
          // Defaults are in the help: `withDefault` alone does not show them.
          assert.match(subcommands[0]!.stdout, /--timeout integer\s+An integer\.\s+Seconds .*Default: 15\./)
          assert.match(subcommands[3]!.stdout, /--port integer\s+An integer\.\s+The port .*Default: 4545\./)
          // Piped output (as here) has no colour codes, in the help or in a usage error.
          const usage = yield* runCli(["bogus"])
          for (const result of [root!, ...subcommands, usage]) {
            assert.notInclude(result.stdout + result.stderr, "\u001b[")
          }
        }),
      { timeout: 180_000 }
    )

    it.effect(
      "§8 fake-server --port 0 prints its URL and the demo credentials, serves them, and exits 130 on Ctrl-C",
      () =>
        Effect.gen(function*() {
          const started = yield* startCli(["fake-server", "--port", "0"], /Ctrl-C/)
          const baseUrl = started.output().match(/http:\/\/127\.0\.0\.1:\d+\/api\/v1/)![0]
          assert.include(started.output(), "demo-client-id")
          assert.include(started.output(), "demo-client-secret")
          const me = yield* runCli(["check", "all:delete"], {
            MONTA_BASE_URL: baseUrl,
            MONTA_CLIENT_ID: demo.clientId,
            MONTA_CLIENT_SECRET: demo.clientSecret
          })
          assert.strictEqual(me.code, ExitCode.Ok, me.stderr)
          const stopped = yield* started.interrupt
          assert.strictEqual(stopped.code, ExitCode.Interrupted, stopped.stderr)
          assert.strictEqual(stopped.stderr, "")
        }).pipe(Effect.scoped),
      { timeout: 180_000 }
    )
  })
})
