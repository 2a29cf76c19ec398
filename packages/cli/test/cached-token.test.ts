import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Micro from "effect/Micro"
import * as Option from "effect/Option"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cachedToken } from "../src/internal/cachedToken.js"

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
