import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

/** The real executable, run with the node that runs the tests. */
export const bin = fileURLToPath(new URL("../bin/monta-auth.mjs", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The environment of the tests without any MONTA_* variable, plus `env`. */
const environment = (env: Record<string, string>) => {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("MONTA_") && name !== "NO_COLOR")
  )
  return { ...clean, ...env }
}

/** Runs `monta-auth ...args` as a child process and collects its output. */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.async<CliResult>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], { env: environment(env), stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill())
  })

/** Starts `monta-auth ...args` and succeeds with the first stdout match of `pattern`; killed with the scope. */
export const startCli = (args: ReadonlyArray<string>, pattern: RegExp) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, [bin, ...args], { env: environment({}), stdio: ["ignore", "pipe", "pipe"] })
    ),
    (child) => Effect.sync(() => child.kill("SIGINT"))
  ).pipe(Effect.flatMap((child) =>
    Effect.async<{ readonly match: RegExpMatchArray; readonly output: () => string }, Error>((resume) => {
      let stdout = ""
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk
        const match = stdout.match(pattern)
        if (match !== null) resume(Effect.succeed({ match, output: () => stdout }))
      })
      child.on("close", (code) => resume(Effect.fail(new Error(`exited with ${code} before printing ${pattern}`))))
    })
  ))
