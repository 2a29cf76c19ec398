/**
 * The fast path of `monta-auth token` (SPEC P8): a script that calls `$(monta-auth token)` with a
 * token cache pays a whole process start each time, and `@effect/cli`, `@effect/platform` and
 * `MontaAuth` take several times a bare Node start just to load. So before any of them is loaded,
 * `bin.ts` asks this module whether the answer is already in the cache file. It is written with
 * `effect/Micro`, Effect's runtime for small programs, and `node:fs`: `effect/Effect` alone takes
 * about twice a Node start to load, `Micro` about half of one. `Micro` has no `Clock`, so the
 * time is an argument, read by `bin.ts` (and fixed by the tests).
 *
 * It answers only when the full command would print the same token without a request and without
 * a word on stderr: `token` with connection options alone, a client id and secret that MontaAuth
 * accepts (from `--credential NAME`'s variables as the full command reads them, or the plain pair), a base URL that it accepts, a cache file that only its owner may read (the file store
 * warns about and tightens any other), and an entry for the client id that the file store decodes,
 * fresh by MontaAuth's rule (outside the default 5 minute refresh margin, on a token that lives
 * longer than it). Anything else, or anything it cannot read, is `None`: the full command runs and
 * says what it says.
 *
 * @internal
 */
import * as Micro from "effect/Micro"
import * as Option from "effect/Option"
import * as fs from "node:fs/promises"

/** MontaAuth's default `refreshMargin` (the CLI sets none): a token inside it would be refreshed. */
const refreshMarginMillis = 5 * 60 * 1000

/** The options of `token` that the fast path understands (all of them take a value). */
const connectionOptions = [
  "--credential",
  "--client-id",
  "--client-secret",
  "--base-url",
  "--token-cache",
  "--timeout"
] as const

type ConnectionOption = typeof connectionOptions[number]

const isConnectionOption = (name: string): name is ConnectionOption =>
  (connectionOptions as ReadonlyArray<string>).includes(name)

/**
 * The options when the arguments (after runtime and script) are `token` and connection options,
 * each at most once, as `--name value` or `--name=value`; `None` for anything else (help,
 * completions, an unknown or repeated option, a value that looks like an option).
 */
const parseArguments = (args: ReadonlyArray<string>): Option.Option<ReadonlyMap<ConnectionOption, string>> => {
  if (args[0] !== "token") return Option.none()
  const options = new Map<ConnectionOption, string>()
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!
    const equals = arg.indexOf("=")
    const name = equals === -1 ? arg : arg.slice(0, equals)
    if (!isConnectionOption(name) || options.has(name)) return Option.none()
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1)
    if (value === undefined || value.startsWith("-")) return Option.none()
    options.set(name, value)
  }
  return Option.some(options)
}

/** As MontaAuth checks a client id or secret: non-empty, no white space around it. */
const isClean = (value: string): boolean => value.length > 0 && value.trim() === value

/**
 * The variable prefix of `--credential NAME`, as core's `MontaCredentials.variablePrefix` (which
 * this module cannot load: it loads Effect). The tests hold the two together.
 *
 * @internal
 */
export const variablePrefix = (name: string): string => `MONTA_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`

/**
 * Whether `MONTA_<NAME>_SCOPES` is a list that core's `credentialConfig` accepts: comma-separated
 * scopes of the grammar of `isScope` (white space around each and empty items ignored).
 *
 * @internal
 */
export const isScopeList = (text: string): boolean =>
  text.split(",").map((scope) => scope.trim()).filter((scope) => scope.length > 0).every((scope) =>
    /^[a-z0-9]+(?:-[a-z0-9]+)*:(?:read|write|delete)$/.test(scope)
  )

/**
 * The client id and secret the full command would use: `--credential NAME`'s variables (as
 * `credentialConfig` reads them: any `MONTA_<NAME>_SCOPES` must be valid too), else the flags or
 * `MONTA_CLIENT_ID` / `MONTA_CLIENT_SECRET`; `undefined` when the full command would refuse them.
 */
const credentialOf = (
  options: ReadonlyMap<ConnectionOption, string>,
  env: Readonly<Record<string, string | undefined>>
): { readonly clientId: string; readonly clientSecret: string } | undefined => {
  const name = options.get("--credential")
  if (name !== undefined) {
    // The full command refuses --credential with either flag.
    if (!isClean(name) || options.has("--client-id") || options.has("--client-secret")) return undefined
    const prefix = variablePrefix(name)
    const clientId = env[`${prefix}CLIENT_ID`]
    const clientSecret = env[`${prefix}CLIENT_SECRET`]
    const scopes = env[`${prefix}SCOPES`]
    return clientId !== undefined && isClean(clientId) && clientSecret !== undefined && isClean(clientSecret) &&
        (scopes === undefined || isScopeList(scopes))
      ? { clientId, clientSecret }
      : undefined
  }
  // As the command resolves them: the flag, else a non-empty variable.
  const clientId = options.get("--client-id") ?? env["MONTA_CLIENT_ID"]
  const clientSecret = options.get("--client-secret") ?? env["MONTA_CLIENT_SECRET"]
  return clientId !== undefined && isClean(clientId) && clientSecret !== undefined && isClean(clientSecret)
    ? { clientId, clientSecret }
    : undefined
}

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

/** A base URL that MontaAuth accepts as it is (https, or http on loopback; no userinfo, query or fragment). */
const isAcceptedBaseUrl = (baseUrl: string): boolean => {
  if (baseUrl.includes("?") || baseUrl.includes("#")) return false
  try {
    const url = new URL(baseUrl)
    return url.username === "" && url.password === "" &&
      (url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname)))
  } catch {
    return false
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isToken = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= 16 * 1024

const isDate = (value: unknown): boolean => typeof value === "string" && !Number.isNaN(Date.parse(value))

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value)

/** The access token of the file store's entry for `clientId` when the entry decodes as the store writes it. */
const accessTokenOf = (
  entries: unknown,
  clientId: string
): Option.Option<{ readonly accessToken: string; readonly expiresAt: number; readonly obtainedAt: number }> => {
  if (!isRecord(entries) || !Object.prototype.hasOwnProperty.call(entries, clientId)) return Option.none()
  const entry = entries[clientId]
  if (!isRecord(entry) || entry["clientId"] !== clientId || !isRecord(entry["pair"])) return Option.none()
  const pair = entry["pair"]
  const complete = isToken(pair["accessToken"]) && isToken(pair["refreshToken"]) &&
    isDate(pair["accessTokenExpirationDate"]) && isDate(pair["refreshTokenExpirationDate"]) &&
    isNumber(entry["accessExpiresAt"]) && isNumber(entry["refreshExpiresAt"]) && isNumber(entry["obtainedAt"]) &&
    Number.isInteger(entry["version"])
  return complete
    ? Option.some({
      accessToken: pair["accessToken"] as string,
      expiresAt: entry["accessExpiresAt"] as number,
      obtainedAt: entry["obtainedAt"] as number
    })
    : Option.none()
}

/**
 * The token that `monta-auth token` would print, when the token cache holds a fresh one for the
 * credential of `args` and `env` at `now` (epoch milliseconds); `None` when the full command has
 * to run. Never fails.
 *
 * @internal
 */
export const cachedToken = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  now: number
): Micro.Micro<Option.Option<string>> =>
  Micro.gen(function*() {
    const parsed = parseArguments(args)
    if (Option.isNone(parsed)) return Option.none()
    const options = parsed.value
    // As the command resolves them: the flag, else a non-empty variable.
    const setting = (option: ConnectionOption, variable: string): string | undefined => {
      const value = options.get(option) ?? env[variable]
      return value === "" ? undefined : value
    }
    const credential = credentialOf(options, env)
    const baseUrl = setting("--base-url", "MONTA_BASE_URL")
    const path = setting("--token-cache", "MONTA_TOKEN_CACHE")
    const timeout = options.get("--timeout")
    if (
      credential === undefined || path === undefined ||
      (baseUrl !== undefined && !isAcceptedBaseUrl(baseUrl.replace(/\/+$/, ""))) ||
      (timeout !== undefined && !(/^\d+$/.test(timeout) && Number(timeout) >= 1))
    ) {
      return Option.none()
    }
    const text = yield* Micro.tryPromise({
      try: async () => {
        const info = await fs.stat(path)
        // The file store warns about a file others may read and tightens it: leave that to it.
        if (!info.isFile() || (info.mode & 0o077) !== 0) return undefined
        return fs.readFile(path, "utf8")
      },
      catch: () => "unreadable" as const
    })
    if (text === undefined) return Option.none()
    const found = accessTokenOf(
      yield* Micro.try({ try: (): unknown => JSON.parse(text), catch: () => "not JSON" as const }),
      credential.clientId
    )
    if (Option.isNone(found)) return Option.none()
    const { accessToken, expiresAt, obtainedAt } = found.value
    // MontaAuth serves a stored token without asking only while it is fresh, and warns about a
    // token that lives no longer than the margin: both cases go to the full command.
    const fresh = expiresAt - obtainedAt > refreshMarginMillis && expiresAt - now > refreshMarginMillis
    return fresh ? Option.some(accessToken) : Option.none()
  }).pipe(
    // An unreadable or corrupt file, or anything unexpected: the full command decides.
    Micro.catchAllCause(() => Micro.succeed(Option.none<string>()))
  )
