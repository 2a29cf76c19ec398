/**
 * Helpers shared by the benchmarks: credentials for the fake, garbage collection, a local
 * `redis-server` when `REDIS_URL` is not set, and small statistics.
 */
import type { Options } from "@monta-auth/core"
import { type ConsumerInput, MontaFake } from "@monta-auth/testing"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"

/** MontaAuth options for a consumer of the fake at `baseUrl` (default: the in-memory fake). */
export const authOptions = (
  consumer: ConsumerInput = MontaFake.demoConsumer,
  baseUrl = "http://monta.fake/api/v1",
  options: Partial<Options> = {}
): Options => ({
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

/** A free TCP port on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const startRedisServer = (port: number): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData)
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.resume()
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)))
  })

const stopRedisServer = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

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
