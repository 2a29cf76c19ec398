import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { testKey } from "./fleet.js"

const script = fileURLToPath(new URL("./lease-holder.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("../..", import.meta.url))

/**
 * Starts `lease-holder.ts` in a child process (node with tsx's loader), killed with SIGKILL when
 * the scope closes if the test did not kill it before.
 */
export const startLeaseHolder = (options: {
  readonly mode: "mid-refresh" | "rotated"
  readonly redisUrl: string
  readonly keyPrefix: string
  readonly fakeUrl: string
  readonly leaseTtlMillis: number
}) =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", "tsx", script], {
          cwd: packageDir,
          env: {
            ...process.env,
            MODE: options.mode,
            REDIS_URL: options.redisUrl,
            KEY_PREFIX: options.keyPrefix,
            FAKE_URL: options.fakeUrl,
            LEASE_TTL_MILLIS: String(options.leaseTtlMillis),
            ENCRYPTION_KEY: Redacted.value(testKey)
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const exited = Effect.async<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>(
      (resume) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          return resume(Effect.succeed({ code: child.exitCode, signal: child.signalCode }))
        }
        child.once("exit", (code, signal) => resume(Effect.succeed({ code, signal })))
      }
    )
    /** Waits until the child printed `line` (fails if it exits first). */
    const printed = (line: string) =>
      Effect.async<void, Error>((resume) => {
        const check = () => {
          if (stdout.split("\n").includes(line)) resume(Effect.void)
        }
        check()
        child.stdout.on("data", check)
        child.once(
          "exit",
          (code) => resume(Effect.fail(new Error(`lease holder exited (${code}) before printing "${line}": ${stderr}`)))
        )
        return Effect.sync(() => child.stdout.off("data", check))
      })
    /** SIGKILL: no finalizer, no lease release. Resolves once the process is gone. */
    const kill = Effect.suspend(() => {
      child.kill("SIGKILL")
      return exited
    })
    return { printed, kill }
  })
