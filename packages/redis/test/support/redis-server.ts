import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"

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

const notInstalled = "redis-server is not installed; install it with `apt-get install -y redis-server`"

/** Starts `redis-server` on 127.0.0.1:`port` without persistence; resolves once it accepts connections. */
export const startRedisServer = (port: number): Promise<ChildProcess> =>
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
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(notInstalled) : error))
    child.once("exit", (code) =>
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)))
  })

/** Stops a `redis-server` started here and waits until it is gone. */
export const stopRedisServer = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })
