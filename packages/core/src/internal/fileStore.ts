import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { TokenStoreError } from "../MontaError.js"
import { StoredToken } from "../StoredToken.js"

const storeError = (operation: string) => (error: PlatformError) =>
  new TokenStoreError({ operation, detail: error.message })

const isReason = (reason: string) => (error: PlatformError) => error._tag === "SystemError" && error.reason === reason

/**
 * A lock file that stands unchanged this long (on this process's `Clock`), or says it was taken
 * this long ago, was left by a process that died holding it: it is removed. A holder needs a few
 * milliseconds (read, write a temp file, rename).
 *
 * @internal
 */
export const lockStaleAfter = Duration.seconds(2)

/**
 * How long a save or clear waits for the lock before it fails with `TokenStoreError` (MontaAuth
 * then keeps the pair in memory). Longer than `lockStaleAfter`, so a dead holder's lock is
 * recovered first; shorter than `TokenStore.makeSimple`'s default timeout of 5 s.
 *
 * @internal
 */
export const lockMaxWait = Duration.seconds(4)

/** Another writer holds the lock (or just left it): try again. */
class LockBusy extends Data.TaggedError("LockBusy")<{ readonly holder: string }> {}

/** The pid of this process where there is one (for a person reading a lock file; never trusted). */
const processId = (globalThis as { readonly process?: { readonly pid?: number } }).process?.pid

/** Short waits between attempts, growing to at most 50 ms, jittered, for at most `lockMaxWait`. */
const lockRetry = Schedule.exponential("5 millis").pipe(
  Schedule.either(Schedule.spaced("50 millis")),
  Schedule.jittered,
  Schedule.upTo(lockMaxWait)
)

/** The folder of a file path ("" when it has none), for "/" and "\\" separators alike. */
const directoryOf = (path: string): string => path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")))

/**
 * The file store: one JSON object keyed by clientId, written to a temp file with mode 0600 and
 * renamed over the old one, so a reader never sees half a file. A missing folder is created (mode
 * 0700). A file (or an entry) that does not decode is ignored with a warning, once until it changes.
 *
 * Several processes may share the file (CLI runs with one `--token-cache`, each with its own
 * clientId): a save or clear reads, changes and writes the file holding `<path>.lock`, created
 * exclusively (O_EXCL) with the holder's pid, time and a nonce, and removed by its holder only. A
 * lock left by a dead process is recovered after `lockStaleAfter`; the wait is bounded by
 * `lockMaxWait`. Loads take no lock: the rename makes every read see a whole file.
 *
 * @internal
 */
export const make = <S, R = never>(
  path: string,
  makeSimple: (backend: {
    readonly load: (clientId: string) => Effect.Effect<Option.Option<StoredToken>, TokenStoreError>
    readonly save: (token: StoredToken) => Effect.Effect<void, TokenStoreError>
    readonly clear: (clientId: string) => Effect.Effect<void, TokenStoreError>
  }) => Effect.Effect<S, never, R>
): Effect.Effect<S, never, FileSystem.FileSystem | R> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    // Built here, not at module load: this module and TokenStore.ts import each other.
    const decodeStored = Schema.decodeUnknownOption(StoredToken)
    const encodeStored = Schema.encodeSync(StoredToken)
    // What was warned about, so a corrupt file read again (every save reads first) warns once.
    const warned = new Set<string>()
    const warnOnce = (key: string, message: string) =>
      Effect.suspend(() => {
        if (warned.has(key)) return Effect.void
        warned.add(key)
        return Effect.logWarning(message)
      })

    // A token file others may read (e.g. 0644 after a copy) is said once and tightened to 0600.
    const tighten = fs.stat(path).pipe(
      Effect.flatMap((info) =>
        (info.mode & 0o077) === 0 ? Effect.void : Effect.zipRight(
          warnOnce(
            "mode",
            `monta-auth: the token file ${path} was readable by others (mode ${
              (info.mode & 0o777).toString(8)
            }); tightened to 600`
          ),
          fs.chmod(path, 0o600)
        )
      ),
      Effect.ignore
    )

    const readAll: Effect.Effect<Record<string, unknown>, TokenStoreError> = Effect.zipRight(
      tighten,
      fs.readFileString(path)
    ).pipe(
      Effect.map((text): Record<string, unknown> | undefined => {
        try {
          const json: unknown = JSON.parse(text)
          return typeof json === "object" && json !== null && !Array.isArray(json) ?
            json as Record<string, unknown> :
            undefined
        } catch {
          return undefined
        }
      }),
      Effect.flatMap((entries) => {
        if (entries !== undefined) {
          warned.delete("file")
          return Effect.succeed(entries)
        }
        return Effect.as(warnOnce("file", `monta-auth: ignoring the token file ${path}: it is not a JSON object`), {})
      }),
      Effect.catchIf(
        (error) => error._tag === "SystemError" && error.reason === "NotFound",
        () => Effect.succeed({})
      ),
      Effect.mapError(storeError("load"))
    )

    const entryOf = (entries: Record<string, unknown>, clientId: string) =>
      Effect.suspend(() => {
        if (!Object.prototype.hasOwnProperty.call(entries, clientId)) return Effect.succeed(Option.none<StoredToken>())
        const decoded = decodeStored(entries[clientId]).pipe(Option.filter((token) => token.clientId === clientId))
        if (Option.isSome(decoded)) {
          warned.delete(`entry:${clientId}`)
          return Effect.succeed(decoded)
        }
        return Effect.as(
          warnOnce(
            `entry:${clientId}`,
            `monta-auth: ignoring the stored token of ${clientId} in ${path}: it does not decode`
          ),
          Option.none<StoredToken>()
        )
      })

    const directory = directoryOf(path)
    const makeDirectory = directory === "" ? Effect.void : fs.makeDirectory(directory, { recursive: true, mode: 0o700 })
    const lockPath = `${path}.lock`
    const staleMillis = Duration.toMillis(lockStaleAfter)
    /** The lock's content, or undefined when there is none (its holder just removed it). */
    const readLock = fs.readFileString(lockPath).pipe(Effect.catchIf(isReason("NotFound"), () => Effect.void))
    /** Whether the lock says it was taken longer than `lockStaleAfter` ago (by our clock). */
    const saysStale = (holder: string, now: number) => {
      try {
        const at: unknown = (JSON.parse(holder) as { readonly at?: unknown }).at
        return typeof at === "number" && now - at > staleMillis
      } catch {
        return false
      }
    }

    /** Takes the lock file and returns what it wrote in it, waiting (bounded) while another holds it. */
    const acquireLock = (operation: string) =>
      Effect.gen(function*() {
        const nonce = (yield* Random.nextIntBetween(0, 2 ** 31 - 1)).toString(36)
        // The time is that of the attempt that takes the lock, not of the first one.
        const create = Effect.gen(function*() {
          const content = JSON.stringify({ pid: processId, at: yield* Clock.currentTimeMillis, nonce })
          yield* fs.writeFileString(lockPath, content, { flag: "wx", mode: 0o600 })
          return content
        })
        // The holder we saw and since when: a lock that stands unchanged for `lockStaleAfter` is
        // stale even when its time cannot be read (a crash between creating and writing it).
        let seen: { readonly holder: string; readonly since: number } | undefined
        const attempt = Effect.gen(function*() {
          const holder = yield* readLock
          if (holder === undefined) return yield* new LockBusy({ holder: "" })
          const now = yield* Clock.currentTimeMillis
          if (seen === undefined || seen.holder !== holder) seen = { holder, since: now }
          if (saysStale(holder, now) || now - seen.since >= staleMillis) {
            // Removed only if it is still the stale one (another waiter may have recovered it first).
            if ((yield* readLock) === holder) {
              yield* Effect.zipRight(
                warnOnce(`lock:${holder}`, `monta-auth: removed the stale lock ${lockPath} (${holder || "empty"})`),
                fs.remove(lockPath).pipe(Effect.catchIf(isReason("NotFound"), () => Effect.void))
              )
            }
            // Taken at once if no other waiter was quicker.
            return yield* create.pipe(Effect.catchIf(isReason("AlreadyExists"), () => new LockBusy({ holder })))
          }
          return yield* new LockBusy({ holder })
        })
        return yield* create.pipe(
          Effect.catchIf(isReason("AlreadyExists"), () => attempt),
          Effect.retry({ schedule: lockRetry, while: (error) => error._tag === "LockBusy" }),
          Effect.catchTag("LockBusy", ({ holder }) =>
            Effect.fail(
              new TokenStoreError({
                operation,
                detail: `the token file ${path} stayed locked by another writer for ${
                  Duration.format(lockMaxWait)
                } (${lockPath}: ${holder || "empty"})`
              })
            )),
          Effect.catchTag("SystemError", "BadArgument", storeError(operation))
        )
      })

    /** Removes the lock if it is still ours (a waiter may have taken it as stale from a paused holder). */
    const releaseLock = (content: string) =>
      readLock.pipe(
        Effect.flatMap((holder) => holder === content ? fs.remove(lockPath) : Effect.void),
        Effect.ignore
      )

    /** Runs a read-modify-write of the file holding the lock (the folder is created first). */
    const locked = <A>(operation: string, effect: Effect.Effect<A, TokenStoreError>) =>
      Effect.acquireUseRelease(
        Effect.zipRight(makeDirectory.pipe(Effect.mapError(storeError(operation))), acquireLock(operation)),
        () => effect,
        releaseLock
      )

    const writeAll = (entries: Record<string, unknown>) =>
      Effect.gen(function*() {
        const suffix = yield* Random.nextIntBetween(0, 2 ** 31 - 1)
        const temp = `${path}.${suffix.toString(36)}.tmp`
        yield* makeDirectory
        const write = Effect.gen(function*() {
          yield* fs.writeFileString(temp, JSON.stringify(entries, null, 2), { mode: 0o600 })
          yield* fs.chmod(temp, 0o600)
          yield* fs.rename(temp, path)
        })
        yield* write.pipe(Effect.tapError(() => fs.remove(temp).pipe(Effect.ignore)))
      }).pipe(Effect.mapError(storeError("save")))

    return yield* makeSimple({
      load: (clientId) => Effect.flatMap(readAll, (entries) => entryOf(entries, clientId)),
      save: (token) =>
        locked(
          "save",
          readAll.pipe(
            Effect.flatMap((entries) => writeAll({ ...entries, [token.clientId]: encodeStored(token) }))
          )
        ),
      clear: (clientId) =>
        locked(
          "clear",
          readAll.pipe(
            Effect.flatMap((entries) => {
              if (!Object.prototype.hasOwnProperty.call(entries, clientId)) return Effect.void
              const { [clientId]: _removed, ...rest } = entries
              return writeAll(rest)
            })
          )
        )
    })
  })
