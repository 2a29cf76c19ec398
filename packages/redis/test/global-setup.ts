import type { TestProject } from "vitest/node"
import { freePort, startRedisServer, stopRedisServer } from "./support/redis-server.js"

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string
  }
}

/**
 * The tests run against a real Redis: `REDIS_URL` when set (CI starts one), otherwise a
 * `redis-server` started here on a free loopback port and stopped after the run.
 */
export default async function setup(project: TestProject) {
  const fromEnv = process.env.REDIS_URL
  if (fromEnv !== undefined && fromEnv !== "") {
    project.provide("redisUrl", fromEnv)
    return
  }
  const port = await freePort()
  const server = await startRedisServer(port)
  project.provide("redisUrl", `redis://127.0.0.1:${port}`)
  return () => stopRedisServer(server)
}
