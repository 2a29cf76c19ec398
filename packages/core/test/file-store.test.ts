import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import { type AuthEvent, MontaAuth, TokenStore } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { demoOptions } from "./fixtures.js"

const clientId = MontaFake.demoConsumer.clientId

const tempFile = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "monta-auth-" })
  return `${dir}/tokens.json`
})

/** One "process": MontaAuth on a file store, sharing the fake. */
const instance = (path: string) =>
  Effect.gen(function*() {
    const store = yield* TokenStore.makeFileSystem(path)
    return yield* MontaAuth.make(demoOptions()).pipe(Effect.provideService(TokenStore, store))
  })

const TestLive = Layer.merge(MontaFake.layerTest(), NodeFileSystem.layer)

describe("file token store", () => {
  it.scoped("L13: writes the pair atomically to a file with mode 0600", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempFile
      const auth = yield* instance(path)
      const token = yield* auth.accessToken
      const info = yield* fs.stat(path)
      assert.strictEqual(info.mode & 0o777, 0o600)
      const dir = path.slice(0, path.lastIndexOf("/"))
      assert.deepStrictEqual(yield* fs.readDirectory(dir), ["tokens.json"])
      const json = JSON.parse(yield* fs.readFileString(path))
      assert.strictEqual(json[clientId].pair.accessToken, Redacted.value(token))
      assert.strictEqual(json[clientId].version, 1)
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L13: a restart with a stored valid pair makes no /auth/token call", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const path = yield* tempFile
      const first = yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken))
      const second = yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken))
      assert.strictEqual(Redacted.value(second), Redacted.value(first))
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L13: a stored pair of another clientId is not used", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempFile
      yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken))
      // Move the stored entry under another clientId, as if another credential had written it.
      const json = JSON.parse(yield* fs.readFileString(path))
      yield* fs.writeFileString(
        path,
        JSON.stringify({ "other-client": { ...json[clientId], clientId: "other-client" } })
      )
      yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken))
      assert.strictEqual((yield* fake.counters).tokenRequests, 2)
      const after = JSON.parse(yield* fs.readFileString(path))
      assert.deepStrictEqual(Object.keys(after).sort(), [clientId, "other-client"])
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L13: a corrupt file is ignored with a warning, not a crash", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempFile
      yield* fs.writeFileString(path, "{ this is not json")
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const token = yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken)).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.isTrue(Redacted.value(token).length > 0)
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
      // Read on load and again before the save: one warning, not one per read.
      assert.strictEqual(warnings.filter((line) => line.includes("not a JSON object")).length, 1)
      const store = yield* TokenStore.makeFileSystem(path)
      assert.isTrue(Option.isSome(yield* store.load(clientId)))
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L13: a token file others can read is warned about once and tightened to 0600", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempFile
      yield* fs.writeFileString(path, "{}")
      yield* fs.chmod(path, 0o644)
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken)).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.strictEqual((yield* fs.stat(path)).mode & 0o777, 0o600)
      assert.strictEqual(warnings.filter((line) => line.includes("readable by others (mode 644)")).length, 1)
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L13: a missing folder is created (mode 0700), so the pair is kept for the next start", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "monta-auth-" })
      const path = `${dir}/cache/monta/tokens.json`
      const first = yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken))
      assert.strictEqual((yield* fs.stat(`${dir}/cache/monta`)).mode & 0o777, 0o700)
      assert.strictEqual((yield* fs.stat(path)).mode & 0o777, 0o600)
      const second = yield* Effect.scoped(Effect.flatMap(instance(path), (auth) => auth.accessToken))
      assert.strictEqual(Redacted.value(second), Redacted.value(first))
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
    }).pipe(Effect.provide(TestLive)))

  it.scoped("L13: a store that fails never fails a caller: StoreUnavailable, the token lives in memory", () =>
    Effect.gen(function*() {
      const fake = yield* MontaFake
      const fs = yield* FileSystem.FileSystem
      // A directory where the file should be: every read fails with an I/O error.
      const path = yield* fs.makeTempDirectoryScoped({ prefix: "monta-auth-" })
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const auth = yield* instance(path)
      const events: Array<AuthEvent> = []
      yield* Effect.forkScoped(Stream.runForEach(auth.events, (event) => Effect.sync(() => events.push(event))))
      yield* Effect.yieldNow()
      const token = yield* auth.accessToken.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      assert.strictEqual(Redacted.value(yield* auth.accessToken), Redacted.value(token))
      assert.strictEqual((yield* fake.counters).tokenRequests, 1)
      assert.deepStrictEqual(events.map((event) => event._tag), ["StoreUnavailable", "Acquired"])
      assert.isTrue(warnings.some((line) => line.includes("token store load failed")))
    }).pipe(Effect.provide(TestLive)))
})
