import { assert, describe, it } from "@effect/vitest"
import { MontaWebhook } from "@monta-auth/webhooks"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bin, runProcess } from "./run-cli.js"

const secretText = "cli-webhook-secret-0123456789"
const secret = Redacted.make(secretText)
const dir = mkdtempSync(join(tmpdir(), "monta-auth-webhook-"))

const entry = (entityId: string, eventType = "updated") => ({
  entityType: "charge-point",
  entityId,
  eventType,
  eventTime: "2024-01-18T10:00:00.000Z",
  payload: { id: Number(entityId) }
})

let saved = 0
/** Saves `body` to a file, as a user saves a delivery. */
const save = (body: string) => {
  const file = join(dir, `delivery-${saved++}.json`)
  writeFileSync(file, body)
  return file
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`

/** `monta-auth webhook verify ARGS < file`, through a shell as a user types it. */
const verify = (file: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runProcess("sh", [
    "-c",
    [process.execPath, bin, "webhook", "verify", ...args].map(quote).join(" ") + ` < ${quote(file)}`
  ], { env })

const withSecret = { MONTA_WEBHOOK_SECRET: secretText }

const assertNoSecret = (result: { readonly stdout: string; readonly stderr: string }) => {
  assert.notInclude(result.stdout, secretText)
  assert.notInclude(result.stderr, secretText)
}

describe("monta-auth webhook verify (the real binary, the body on stdin)", () => {
  it.live(
    "W6: a valid saved delivery exits 0 with a one-line summary; the secret is never printed",
    () =>
      Effect.gen(function*() {
        const body = JSON.stringify({
          entries: [entry("1"), entry("2"), entry("3", "created")],
          pending: 4,
          timestamp: Date.now()
        })
        const result = yield* verify(save(body), ["--signature", MontaWebhook.sign(secret, body)], withSecret)
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stdout.trimEnd().split("\n").length, 1, result.stdout)
        assert.match(
          result.stdout,
          /^valid: 3 entries \(charge-point updated x2, charge-point created\), 4 pending, sent /
        )
        assert.strictEqual(result.stderr, "")
        assertNoSecret(result)
      }),
    { timeout: 60_000 }
  )

  it.live("W6: a bad, malformed or missing signature exits 1 with the reason on stderr", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ entries: [entry("1")], pending: 0, timestamp: Date.now() })
      const file = save(body)
      const wrong = yield* verify(file, ["--signature", "sha1=" + "0".repeat(40)], withSecret)
      assert.strictEqual(wrong.code, 1)
      assert.strictEqual(wrong.stdout, "")
      assert.include(wrong.stderr, "BadSignature")
      assertNoSecret(wrong)
      const other = yield* verify(file, [
        "--signature",
        MontaWebhook.sign(Redacted.make("another-secret-abcdef"), body)
      ], withSecret)
      assert.strictEqual(other.code, 1)
      assert.include(other.stderr, "BadSignature")
      const garbage = yield* verify(file, ["--signature", "sha1=xyz"], withSecret)
      assert.strictEqual(garbage.code, 1)
      assert.include(garbage.stderr, "BadSignature")
      assertNoSecret(garbage)
    }), { timeout: 60_000 })

  it.live(
    "W1, W6: the documented vector's signature passes; its body is no batch (Malformed, exit 1)",
    () =>
      Effect.gen(function*() {
        const result = yield* verify(save("{\"foo\":\"bar\"}"), [
          "--signature",
          "sha1=ff401a885877ab7e4665f9e045f9ee2d5876fdb9",
          "--secret-env",
          "DOC_SECRET"
        ], { DOC_SECRET: "top-secret" })
        assert.strictEqual(result.code, 1)
        assert.include(result.stderr, "Malformed")
        assert.notInclude(result.stderr, "top-secret")
      }),
    { timeout: 60_000 }
  )

  it.live(
    "W3, W6: a delivery saved an hour ago is Stale unless --any-time or a --tolerance that covers it",
    () =>
      Effect.gen(function*() {
        const body = JSON.stringify({ entries: [entry("1")], pending: 0, timestamp: Date.now() - 3_600_000 })
        const file = save(body)
        const signature = MontaWebhook.sign(secret, body)
        const stale = yield* verify(file, ["--signature", signature], withSecret)
        assert.strictEqual(stale.code, 1)
        assert.include(stale.stderr, "Stale")
        const anyTime = yield* verify(file, ["--signature", signature, "--any-time"], withSecret)
        assert.strictEqual(anyTime.code, 0, anyTime.stderr)
        assert.match(anyTime.stdout, /^valid: 1 entry \(charge-point updated\), 0 pending, sent .* \(36\d\d s ago\)\n$/)
        const tolerant = yield* verify(file, ["--signature", signature, "--tolerance", "7200"], withSecret)
        assert.strictEqual(tolerant.code, 0, tolerant.stderr)
      }),
    { timeout: 60_000 }
  )

  it.live("W6: --secret-env names the variable; an unset one exits 2 naming it", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ entries: [], pending: 0, timestamp: Date.now() })
      const file = save(body)
      const signature = MontaWebhook.sign(secret, body)
      const named = yield* verify(file, ["--signature", signature, "--secret-env", "HOOK_SECRET"], {
        HOOK_SECRET: secretText
      })
      assert.strictEqual(named.code, 0, named.stderr)
      const unset = yield* verify(file, ["--signature", signature])
      assert.strictEqual(unset.code, 2)
      assert.include(unset.stderr, "MONTA_WEBHOOK_SECRET")
    }), { timeout: 60_000 })
})
