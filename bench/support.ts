/**
 * Helpers shared by the benchmarks: credentials for the fake, garbage collection, a local
 * `redis-server` when `REDIS_URL` is not set, and small statistics.
 */
import type { MontaAuthOptions } from "@monta-auth/core"
import { type ConsumerInput, MontaFake } from "@monta-auth/testing"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { freePort, startRedisServer, stopRedisServer } from "../packages/redis/test/support/redis-server.js"

/** MontaAuth options for a consumer of the fake at `baseUrl` (default: the in-memory fake). */
export const authOptions = (
  consumer: ConsumerInput = MontaFake.demoConsumer,
  baseUrl = "http://monta.fake/api/v1",
  options: Partial<MontaAuthOptions> = {}
): MontaAuthOptions => ({
  clientId: consumer.clientId,
  clientSecret: Redacted.make(consumer.clientSecret),
  baseUrl,
  allowInsecure: true,
  ...options
})

/** Whether `global.gc` is exposed (`node --expose-gc`, or `NODE_OPTIONS=--expose-gc`). */
export const gcExposed = (): boolean => typeof (globalThis as { gc?: unknown }).gc === "function"

/** Runs a full garbage collection several times when it is exposed; returns the heap used after. */
export const collect = async (): Promise<number> => {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let i = 0; i < 4; i++) {
    gc?.()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

/** The median of some numbers. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Milliseconds elapsed since `start` (a `process.hrtime.bigint()`). */
export const millisSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6

export { freePort }

/**
 * Runs `body` with a Redis URL: `REDIS_URL` when set, else a `redis-server` started on a free
 * loopback port for the duration of `body` and stopped after it.
 */
export const withRedis = async <A>(body: (url: string, origin: string) => Promise<A>): Promise<A> => {
  const fromEnv = process.env.REDIS_URL
  if (fromEnv !== undefined && fromEnv !== "") return body(fromEnv, "REDIS_URL")
  const port = await freePort()
  const server = await startRedisServer(port)
  try {
    return await body(`redis://127.0.0.1:${port}`, "local redis-server")
  } finally {
    await stopRedisServer(server)
  }
}

/**
 * A manual `Clock` with `TestClock`'s semantics (time moves only when told; `advance` wakes every
 * sleep that falls due, in order) but without `TestClock.adjust`'s wait for every fiber to suspend,
 * which polls with `setTimeout(0)` several times per call (about 10 ms per `adjust` on a loaded
 * 2-core machine: 10 000 lifetimes took 4.5 minutes). Shared with the fleet tests, which run several
 * runtimes on one clock.
 */
export { ManualClock } from "../packages/redis/test/support/manual-clock.js"

/**
 * MontaFake served on 127.0.0.1 by a process of its own (`fake-process.ts`), as a real server is:
 * it does not share this process's event loop. Resolves with its base URL and a `stop`.
 */
export const startFakeProcess = (): Promise<{ readonly baseUrl: string; readonly stop: () => Promise<void> }> =>
  new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL("./fake-process.ts", import.meta.url))
    const child = spawn(process.execPath, ["--import", "tsx", script, "0"], { stdio: ["pipe", "pipe", "inherit"] })
    let output = ""
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    const stop = async () => {
      child.stdin.end()
      child.kill("SIGTERM")
      await exited
    }
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`the fake's process exited (${code}) before it was ready`)))
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString()
      const ready = /ready (\d+)/.exec(output)
      if (ready !== null) resolve({ baseUrl: `http://127.0.0.1:${ready[1]}/api/v1`, stop })
    })
  })
