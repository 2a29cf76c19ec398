import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"

/** One log line an effect wrote. */
export interface CapturedLog {
  readonly level: string
  readonly message: string
}

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map((part) => text(part)).join(" ") : String(message)

/**
 * Runs `body` with a logger that records every line (instead of printing it): the lines of its
 * fibers, of the fibers they fork, and of the Redis connection events of stores built inside it.
 */
export const withCapturedLogs = <A, E, R>(
  body: (logs: ReadonlyArray<CapturedLog>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const logs: Array<CapturedLog> = []
    const capturing = Logger.make(({ logLevel, message }) => {
      logs.push({ level: logLevel.label, message: text(message) })
    })
    return Effect.provide(body(logs), Logger.replace(Logger.defaultLogger, capturing))
  })

/** The captured lines of `level` (`"ERROR"`, `"WARN"`, ...) that contain `fragment`. */
export const linesWith = (logs: ReadonlyArray<CapturedLog>, level: string, fragment: string) =>
  logs.filter((line) => line.level === level && line.message.includes(fragment))
