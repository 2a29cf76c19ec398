import { assert, describe, it } from "@effect/vitest"
import { credentialConfig, MontaCredentials } from "@monta-auth/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Micro from "effect/Micro"
import * as Option from "effect/Option"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cachedToken, isScopeList, variablePrefix } from "../src/internal/cachedToken.js"

const minute = 60_000
const hour = 60 * minute
const clientId = "demo-client-id"
const env = { MONTA_CLIENT_ID: clientId, MONTA_CLIENT_SECRET: "demo-client-secret" }

/** An entry as the file store writes it: obtained at 0, the access token living `life`. */
const entry = (life: number, overrides: Record<string, unknown> = {}) => ({
  clientId,
  pair: {
    accessToken: "cached-access-token",
    refreshToken: "cached-refresh-token",
    accessTokenExpirationDate: new Date(life).toISOString(),
    refreshTokenExpirationDate: new Date(24 * hour).toISOString()
  },
  accessExpiresAt: life,
  refreshExpiresAt: 24 * hour,
  obtainedAt: 0,
  version: 1,
  ...overrides
})

/** A token cache file holding `content`, mode 0600 unless told. */
const cacheFile = (content: unknown, mode = 0o600): string => {
  const path = join(mkdtempSync(join(tmpdir(), "monta-auth-cached-")), "token.json")
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content), { mode })
  chmodSync(path, mode)
  return path
}

/** What the fast path answers at `now` (default: 10 minutes into the token's hour). */
const answer = (args: ReadonlyArray<string>, environment: Record<string, string> = env, now = 10 * minute) =>
  Effect.map(Effect.promise(() => Micro.runPromise(cachedToken(args, environment, now))), Option.getOrUndefined)

describe("monta-auth token from the cache without loading the full command (P8)", () => {
  it.effect("P8: a fresh cached token is the answer (flag or MONTA_TOKEN_CACHE, either option form)", () =>
    Effect.gen(function*() {
      const path = cacheFile({ [clientId]: entry(hour) })
      assert.strictEqual(yield* answer(["token", "--token-cache", path]), "cached-access-token")
      assert.strictEqual(yield* answer(["token", `--token-cache=${path}`, "--timeout", "3"]), "cached-access-token")
      assert.strictEqual(yield* answer(["token"], { ...env, MONTA_TOKEN_CACHE: path }), "cached-access-token")
      assert.strictEqual(
        yield* answer(["token", "--token-cache", path, "--base-url", "http://127.0.0.1:4545/api/v1/"]),
        "cached-access-token"
      )
    }))

  it.effect("P8: inside MontaAuth's 5 minute refresh margin, or expired, the full command runs", () =>
    Effect.gen(function*() {
      const path = cacheFile({ [clientId]: entry(hour) })
      assert.strictEqual(
        yield* answer(["token", "--token-cache", path], env, hour - 5 * minute - 1),
        "cached-access-token"
      )
      assert.isUndefined(yield* answer(["token", "--token-cache", path], env, hour - 5 * minute))
      assert.isUndefined(yield* answer(["token", "--token-cache", path], env, 2 * hour))
    }))

  it.effect("P8: a token living no longer than the margin (MontaAuth warns about it) goes to the full command", () =>
    Effect.gen(function*() {
      const path = cacheFile({ [clientId]: entry(4 * minute) })
      assert.isUndefined(yield* answer(["token", "--token-cache", path]))
    }))

  it.effect("P8: a cache file others may read is left to the file store (it warns and tightens it)", () =>
    Effect.gen(function*() {
      const path = cacheFile({ [clientId]: entry(hour) }, 0o644)
      assert.isUndefined(yield* answer(["token", "--token-cache", path]))
    }))

  it.effect("P8: an entry the file store would not decode, another client's, or a corrupt file: the full command", () =>
    Effect.gen(function*() {
      for (
        const content of [
          { [clientId]: entry(hour, { clientId: "someone-else" }) },
          { [clientId]: entry(hour, { version: 1.5 }) },
          { [clientId]: entry(hour, { pair: { accessToken: "" } }) },
          { "other-client": entry(hour, { clientId: "other-client" }) },
          "{ not json",
          "[]"
        ]
      ) {
        assert.isUndefined(yield* answer(["token", "--token-cache", cacheFile(content)]), JSON.stringify(content))
      }
      assert.isUndefined(yield* answer(["token", "--token-cache", join(tmpdir(), "monta-auth-no-such-file.json")]))
    }))

  it.effect("P8: the full command runs for other commands, help, unknown options, and configuration it would refuse", () =>
    Effect.gen(function*() {
      const path = cacheFile({ [clientId]: entry(hour) })
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>]> = [
        [["me", "--token-cache", path], env],
        [["token", "--token-cache", path, "--help"], env],
        [["token", "--token-cache", path, "--token-cache", path], env],
        [["token", "--token-cache", path, "--timeout", "0"], env],
        [["token", "--token-cache"], env],
        [["token"], env],
        [["token", "--token-cache", path], { MONTA_CLIENT_ID: clientId }],
        [["token", "--token-cache", path], { ...env, MONTA_CLIENT_ID: ` ${clientId}` }],
        [["token", "--token-cache", path, "--base-url", "http://monta.example/api/v1"], env],
        [["token", "--token-cache", path, "--base-url", "https://user:pw@monta.example/api/v1"], env],
        [["token", "--token-cache", path, "--base-url", "https://monta.example/api/v1?x=1"], env]
      ]
      for (const [args, environment] of cases) {
        assert.isUndefined(yield* answer(args, environment), args.join(" "))
      }
    }))
})

describe("monta-auth token --credential NAME from the cache (P8 with C1's variables)", () => {
  const reader = {
    MONTA_READER_CLIENT_ID: clientId,
    MONTA_READER_CLIENT_SECRET: "reader-secret",
    // The plain pair names another client: --credential must not read it.
    MONTA_CLIENT_ID: "plain-client-id",
    MONTA_CLIENT_SECRET: "plain-secret"
  }

  it.effect("P8 C1: --credential NAME reads MONTA_<NAME>_CLIENT_ID's entry (either option form, valid scopes)", () =>
    Effect.gen(function*() {
      const path = cacheFile({ [clientId]: entry(hour), "plain-client-id": entry(hour, { clientId: "plain" }) })
      assert.strictEqual(
        yield* answer(["token", "--credential", "reader", "--token-cache", path], reader),
        "cached-access-token"
      )
      assert.strictEqual(
        yield* answer(["token", "--credential=reader", `--token-cache=${path}`], reader),
        "cached-access-token"
      )
      assert.strictEqual(
        yield* answer(["token", "--credential", "reader", "--token-cache", path], {
          ...reader,
          MONTA_READER_SCOPES: " charge-points:read, wallet-transactions:read ,"
        }),
        "cached-access-token"
      )
      // Names are upper-cased and every other character than a letter or digit is "_".
      assert.strictEqual(
        yield* answer(["token", "--credential", "ops-eu.2", "--token-cache", path], {
          MONTA_OPS_EU_2_CLIENT_ID: clientId,
          MONTA_OPS_EU_2_CLIENT_SECRET: "s"
        }),
        "cached-access-token"
      )
      // Without --credential the plain pair is read: its client has no valid entry here.
      assert.isUndefined(yield* answer(["token", "--token-cache", path], reader))
    }))

  it.effect("P8 C1: --credential configuration the full command would refuse goes to the full command", () =>
    Effect.gen(function*() {
      const path = cacheFile({ [clientId]: entry(hour) })
      const token = ["token", "--token-cache", path]
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>]> = [
        [[...token, "--credential", "writer"], reader],
        [[...token, "--credential", "reader"], { ...reader, MONTA_READER_CLIENT_SECRET: "" }],
        [[...token, "--credential", "reader"], { ...reader, MONTA_READER_CLIENT_ID: ` ${clientId}` }],
        [[...token, "--credential", "reader"], { ...reader, MONTA_READER_SCOPES: "charge-points" }],
        [[...token, "--credential", "reader"], { ...reader, MONTA_READER_SCOPES: "Charge-Points:read" }],
        [[...token, "--credential", "reader", "--client-id", clientId], reader],
        [[...token, "--credential", "reader", "--client-secret", "x"], reader],
        [[...token, "--credential", "reader", "--credential", "reader"], reader],
        [[...token, "--credential", " reader"], reader],
        [[...token, "--credential"], reader]
      ]
      for (const [args, environment] of cases) {
        assert.isUndefined(yield* answer(args, environment), `${args.join(" ")} ${JSON.stringify(environment)}`)
      }
    }))

  it.effect("P8 C1: the fast path's variable prefix and scope list agree with core's credentialConfig", () =>
    Effect.gen(function*() {
      for (const name of ["reader", "ops-eu", "Ops EU.2", "a_b", "ÅRHUS", "x1"]) {
        assert.strictEqual(variablePrefix(name), MontaCredentials.variablePrefix(name), name)
      }
      const base = { MONTA_R_CLIENT_ID: "id", MONTA_R_CLIENT_SECRET: "secret" }
      for (
        const scopes of [
          "",
          "charge-points:read",
          " all:delete , ocpp2-logs:write,",
          "charge-points",
          "charge-points:admin",
          "Charge-Points:read",
          "a:b:read",
          "-sites:read",
          "si--tes:read",
          "charge_points:read"
        ]
      ) {
        const accepted = yield* credentialConfig("r").pipe(
          Effect.withConfigProvider(
            ConfigProvider.fromMap(new Map(Object.entries({ ...base, MONTA_R_SCOPES: scopes })))
          ),
          Effect.isSuccess
        )
        assert.strictEqual(isScopeList(scopes), accepted, JSON.stringify(scopes))
      }
    }))
})
