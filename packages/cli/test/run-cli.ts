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

/**
 * Runs `command ...args` as a child process (without any MONTA_* variable of the tests, plus `env`)
 * and collects its output; the child is killed if the effect is interrupted.
 */
export const runProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string> | undefined; readonly cwd?: string | undefined } = {}
) =>
  Effect.async<CliResult>((resume) => {
    const child = spawn(command, args, {
      env: environment(options.env ?? {}),
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {})
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill())
  })

/** Runs `monta-auth ...args` as a child process and collects its output. */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runProcess(process.execPath, [bin, ...args], { env })

/** A `monta-auth` started by `startCli`. */
export interface StartedCli {
  /** The first stdout match of the pattern given to `startCli`. */
  readonly match: RegExpMatchArray
  /** Everything on stdout so far. */
  readonly output: () => string
  /** Sends SIGINT (Ctrl-C) and succeeds with the exit code and output once the process has exited. */
  readonly interrupt: Effect.Effect<CliResult>
}

/**
 * Starts `monta-auth ...args` and succeeds once its stdout matches `pattern`; a process still running
 * when the scope closes gets SIGINT.
 */
export const startCli = (args: ReadonlyArray<string>, pattern: RegExp) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [bin, ...args], { env: environment({}), stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      const closed = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })))
      return { child, closed, stdout: () => stdout }
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGINT"))
  ).pipe(Effect.flatMap(({ child, closed, stdout }) =>
    Effect.async<StartedCli, Error>((resume) => {
      const started = (match: RegExpMatchArray): StartedCli => ({
        match,
        output: stdout,
        interrupt: Effect.suspend(() => {
          child.kill("SIGINT")
          return Effect.promise(() => closed)
        })
      })
      const onData = () => {
        const match = stdout().match(pattern)
        if (match !== null) {
          child.stdout.off("data", onData)
          resume(Effect.succeed(started(match)))
        }
      }
      child.stdout.on("data", onData)
      void closed.then((result) =>
        resume(Effect.fail(new Error(`exited with ${result.code} before printing ${pattern}: ${result.stderr}`)))
      )
    })
  ))
