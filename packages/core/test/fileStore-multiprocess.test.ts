/**
 * Issue 11 item 6 / L13: "Eight CLI processes sharing one `--token-cache` file with different client
 * ids kept only 4 to 6 of the 8 entries." Eight real processes (node with tsx's loader), each with
 * MontaAuth on the file store for a client id of its own, write one token file at the same time:
 * every entry is kept, each with the last pair its process got, and no lock or temp file is left.
 * The lock that makes it so (`<file>.lock`) is recovered when its holder died, and waited for
 * (bounded) while a live holder has it; those run on the TestClock.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, TokenStore } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { demoOptions } from "./fixtures.js"

const script = fileURLToPath(new URL("./fixtures/file-store-writer.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the writer for one client id in a child process; killed if the test is interrupted. */
const writer = (tokenFile: string, clientId: string, rounds: number) =>
  Effect.async<Finished>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: packageDir,
      env: { ...process.env, TOKEN_FILE: tokenFile, CLIENT_ID: clientId, ROUNDS: String(rounds) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("file store shared by processes (L13, issue 11 item 6)", () => {
  it.live(
    "L13: 8 processes writing different client ids into one token file: all 8 entries kept",
    () =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped({ prefix: "monta-auth-multi-" })
        const tokenFile = `${dir}/tokens.json`
        const clientIds = Array.from({ length: 8 }, (_, i) => `client-${i + 1}-of-8`)
        const rounds = 6
        const results = yield* Effect.forEach(clientIds, (clientId) => writer(tokenFile, clientId, rounds), {
          concurrency: "unbounded"
        })
        for (const result of results) assert.strictEqual(result.code, 0, result.stderr)
        const json = JSON.parse(yield* fs.readFileString(tokenFile)) as Record<
          string,
          { readonly clientId: string; readonly pair: { readonly accessToken: string }; readonly version: number }
        >
        assert.deepStrictEqual(Object.keys(json).sort(), [...clientIds].sort())
        for (const result of results) {
          const [word, clientId, token] = result.stdout.trim().split(" ")
          assert.strictEqual(word, "done")
          // Each entry is the last pair its process got: no write was lost or overwritten by a stale read.
          assert.strictEqual(json[clientId!]!.pair.accessToken, token)
          assert.strictEqual(json[clientId!]!.clientId, clientId)
          assert.strictEqual(json[clientId!]!.version, rounds)
        }
        assert.deepStrictEqual(yield* fs.readDirectory(dir), ["tokens.json"])
        assert.strictEqual((yield* fs.stat(tokenFile)).mode & 0o777, 0o600)
      }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)),
    120_000
  )
})

const clientId = MontaFake.demoConsumer.clientId

const tempPaths = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "monta-auth-lock-" })
  return { dir, path: `${dir}/tokens.json`, lock: `${dir}/tokens.json.lock` }
})

/**
 * Moves the TestClock on by `step` at a time while the fiber runs, with a few real file-system
 * round trips after each step so the fiber's own (real) I/O completes before the next: the time a
 * waiter sees is the TestClock's, never the wall clock. Stops when the fiber is done or after
 * `upTo`; returns how much TestClock time passed.
 */
const advanceWhile = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  options: { readonly upTo: number; readonly step?: number }
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const step = options.step ?? 50
    let elapsed = 0
    for (let round = 0; round < 3; round++) yield* fs.exists(".")
    while (Option.isNone(yield* Fiber.poll(fiber)) && elapsed < options.upTo) {
      yield* TestClock.adjust(step)
      elapsed += step
      for (let round = 0; round < 3; round++) yield* fs.exists(".")
    }
    return elapsed
  })

const warningsLogger = (warnings: Array<string>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => {
      if (logLevel._tag === "Warning") warnings.push(String(message))
    })
  )

const TestLive = Layer.merge(MontaFake.layerTest(), NodeFileSystem.layer)

describe("the token file's lock (L13, L14, issue 11 item 6)", () => {
  it.scoped("L13: a lock left by a process that died an hour ago is removed at once, and the pair is saved", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const { lock, path } = yield* tempPaths
      yield* TestClock.adjust("1 hour")
      yield* fs.writeFileString(lock, JSON.stringify({ pid: 999_999, at: 0, nonce: "dead" }))
      const warnings: Array<string> = []
      const store = yield* TokenStore.makeFileSystem(path)
      const auth = yield* MontaAuth.make(demoOptions()).pipe(Effect.provideService(TokenStore, store))
      const caller = yield* Effect.fork(auth.accessToken.pipe(Effect.provide(warningsLogger(warnings))))
      const elapsed = yield* advanceWhile(caller, { upTo: 1_000 })
      yield* Fiber.join(caller)
      // Not the 2 s an unreadable lock costs: its own time says it is stale.
      assert.isBelow(elapsed, 1_000, "no waiting for a lock that says it is an hour old")
      assert.isTrue(Option.isSome(yield* store.load(clientId)))
      assert.isFalse(yield* fs.exists(lock))
      assert.isTrue(warnings.some((line) => line.includes(`removed the stale lock ${lock}`)))
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L14: an empty lock (its writer died between creating and writing it) is recovered after 2 s", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const { lock, path } = yield* tempPaths
      yield* fs.writeFileString(lock, "")
      const store = yield* TokenStore.makeFileSystem(path)
      const auth = yield* MontaAuth.make(demoOptions()).pipe(Effect.provideService(TokenStore, store))
      const caller = yield* Effect.fork(auth.accessToken)
      yield* advanceWhile(caller, { upTo: 1_000 })
      assert.isTrue(Option.isNone(yield* Fiber.poll(caller)), "still waiting for the lock after 1 s")
      assert.isTrue(Option.isNone(yield* store.load(clientId)))
      const elapsed = yield* advanceWhile(caller, { upTo: 3_000 })
      yield* Fiber.join(caller)
      assert.isAtMost(1_000 + elapsed, 2_500, "recovered soon after the 2 s bound")
      assert.isTrue(Option.isSome(yield* store.load(clientId)))
      assert.isFalse(yield* fs.exists(lock))
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L13: a save waits while another writer holds the lock and goes through once it is released", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const { lock, path } = yield* tempPaths
      // Another process's read-modify-write: it read the file, holds the lock, and will write this.
      const other = { "other-client": { note: "written by the holder" } }
      yield* fs.writeFileString(lock, JSON.stringify({ pid: 4242, at: 0, nonce: "alive" }))
      const store = yield* TokenStore.makeFileSystem(path)
      const auth = yield* MontaAuth.make(demoOptions()).pipe(Effect.provideService(TokenStore, store))
      const caller = yield* Effect.fork(auth.accessToken)
      yield* advanceWhile(caller, { upTo: 500 })
      assert.isTrue(Option.isNone(yield* Fiber.poll(caller)), "waiting while the lock is held")
      // The holder writes its file and releases its lock: the waiter then reads that file.
      yield* fs.writeFileString(path, JSON.stringify(other))
      yield* fs.remove(lock)
      yield* advanceWhile(caller, { upTo: 1_000 })
      yield* Fiber.join(caller)
      const json = JSON.parse(yield* fs.readFileString(path)) as Record<string, unknown>
      assert.deepStrictEqual(Object.keys(json).sort(), [clientId, "other-client"])
      assert.deepStrictEqual(json["other-client"], other["other-client"])
      assert.isFalse(yield* fs.exists(lock))
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L14: a lock that other writers keep taking fails a clear with TokenStoreError after 4 s, not never", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const { lock, path } = yield* tempPaths
      const store = yield* TokenStore.makeFileSystem(path)
      const clear = yield* Effect.fork(store.clear(clientId))
      let holder = 0
      const busy = Effect.gen(function*() {
        // A new holder every 50 ms: never the same lock for 2 s, never an old one.
        yield* fs.writeFileString(lock, JSON.stringify({ pid: 4242, at: holder * 50, nonce: `n${holder++}` }))
      })
      let elapsed = 0
      while (Option.isNone(yield* Fiber.poll(clear)) && elapsed < 6_000) {
        yield* busy
        yield* TestClock.adjust(50)
        elapsed += 50
        for (let round = 0; round < 3; round++) yield* fs.exists(".")
      }
      const exit = yield* Fiber.await(clear)
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      if (Option.isNone(error)) return assert.fail("the clear did not fail")
      assert.strictEqual(error.value._tag, "TokenStoreError")
      assert.include(error.value.message, `stayed locked by another writer for 4s (${lock}`)
      assert.isAtLeast(elapsed, 4_000)
      assert.isAtMost(elapsed, 4_500)
    }).pipe(Effect.provide(TestLive)))
})
