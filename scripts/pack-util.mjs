// Helpers of the pack check (scripts/pack-check.mjs): run a command, say a step.
import { execFileSync } from "node:child_process"

/** Runs `command` and answers its stdout; a failure carries the command, its stdout and stderr. */
export const run = (command, args, options = {}) => {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024
    }).toString()
  } catch (error) {
    const output = [error.stdout, error.stderr].map((buffer) => buffer?.toString() ?? "").join("\n").trim()
    throw new Error(`${[command, ...args].join(" ")} failed (${error.status ?? error.signal}):\n${output}`)
  }
}

/** One line of progress. */
export const step = (text) => process.stdout.write(`pack-check: ${text}\n`)

/** Throws when `condition` is false. */
export const check = (condition, message) => {
  if (!condition) throw new Error(`pack-check: ${message}`)
}
