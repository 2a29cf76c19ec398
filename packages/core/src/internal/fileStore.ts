import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import { TokenStoreError } from "../MontaError.js"
import { StoredToken, type TokenStoreService } from "../TokenStore.js"

const storeError = (operation: string) => (error: PlatformError) =>
  new TokenStoreError({ operation, detail: error.message })

/** The folder of a file path ("" when it has none), for "/" and "\\" separators alike. */
const directoryOf = (path: string): string => path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")))

/**
 * The file store: one JSON object keyed by clientId, written to a temp file with mode 0600 and
 * renamed over the old one, so a reader never sees half a file. A missing folder is created (mode
 * 0700). A file (or an entry) that does not decode is ignored with a warning, once until it changes.
 *
 * @internal
 */
export const make = (
  path: string,
  makeSimple: (backend: {
    readonly load: (clientId: string) => Effect.Effect<Option.Option<StoredToken>, TokenStoreError>
    readonly save: (token: StoredToken) => Effect.Effect<void, TokenStoreError>
    readonly clear: (clientId: string) => Effect.Effect<void, TokenStoreError>
  }) => Effect.Effect<TokenStoreService>
): Effect.Effect<TokenStoreService, never, FileSystem.FileSystem> =>
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

    const writeAll = (entries: Record<string, unknown>) =>
      Effect.gen(function*() {
        const suffix = yield* Random.nextIntBetween(0, 2 ** 31 - 1)
        const temp = `${path}.${suffix.toString(36)}.tmp`
        const directory = directoryOf(path)
        if (directory !== "") yield* fs.makeDirectory(directory, { recursive: true, mode: 0o700 })
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
        readAll.pipe(
          Effect.flatMap((entries) => writeAll({ ...entries, [token.clientId]: encodeStored(token) }))
        ),
      clear: (clientId) =>
        readAll.pipe(
          Effect.flatMap((entries) => {
            if (!Object.prototype.hasOwnProperty.call(entries, clientId)) return Effect.void
            const { [clientId]: _removed, ...rest } = entries
            return writeAll(rest)
          })
        )
    })
  })
