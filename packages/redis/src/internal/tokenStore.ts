import type { TokenStoreService } from "@monta-auth/core"
import { InvalidOptions, StoredToken, TokenStore, TokenStoreError } from "@monta-auth/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import type { RedisTokenStoreOptions } from "../RedisTokenStore.js"
import { liveClock, makeClient } from "./connection.js"
import type { Sealer } from "./sealing.js"
import { aesGcm, plain } from "./sealing.js"

/** Options of the Redis token store: the public `RedisTokenStoreOptions`. */
export type StoreOptions = RedisTokenStoreOptions

/** The defaults, in one place. */
export const defaults = {
  url: "redis://127.0.0.1:6379",
  keyPrefix: "monta-auth:",
  leaseTtl: Duration.seconds(15),
  waitTimeout: Duration.seconds(15),
  maxWait: Duration.seconds(60),
  pollInterval: Duration.millis(500),
  commandTimeout: Duration.seconds(1),
  connectTimeout: Duration.seconds(2)
} as const

/** The Redis keys of one clientId. */
export const keysFor = (prefix: string, clientId: string) => ({
  token: `${prefix}token:${clientId}`,
  lease: `${prefix}lease:${clientId}`,
  channel: `${prefix}version:${clientId}`
})

/** Writes the pair if the stored version is still `expected` ("0" = absent), then announces it. */
const CAS_WRITE = `
local current = redis.call("HGET", KEYS[1], "version")
if current == false then current = "0" end
if current ~= ARGV[1] then return {0, current} end
redis.call("HSET", KEYS[1], "version", ARGV[2], "encoding", ARGV[3], "payload", ARGV[4])
redis.call("PUBLISH", ARGV[5], ARGV[2])
return {1, ARGV[2]}
`

/** Deletes the lease only if this owner still holds it, and wakes the waiters. */
const LEASE_RELEASE = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("DEL", KEYS[1])
  redis.call("PUBLISH", ARGV[2], "released")
  return 1
end
return 0
`

/** Extends the lease only if this owner still holds it. */
const LEASE_RENEW = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0
`

interface StoreCommands {
  casWrite(
    key: string,
    expected: string,
    next: string,
    encoding: string,
    payload: string,
    channel: string
  ): Promise<[number, string]>
  leaseRelease(key: string, owner: string, channel: string): Promise<number>
  leaseRenew(key: string, owner: string, ttlMillis: string): Promise<number>
}

const encodeToken = Schema.encodeSync(Schema.parseJson(StoredToken))
const decodeToken = Schema.decodeUnknownSync(Schema.parseJson(StoredToken))

const resolveSealer = (options: StoreOptions): Effect.Effect<Sealer, InvalidOptions> => {
  if (options.encryptionKey !== undefined) {
    const secret = Redacted.value(options.encryptionKey)
    return secret.length < 16
      ? Effect.fail(
        new InvalidOptions({
          option: "encryptionKey",
          problem: "too short: use at least 16 characters of random data (e.g. `openssl rand -base64 32`)"
        })
      )
      : Effect.succeed(aesGcm(secret))
  }
  return options.allowPlaintext === true ? Effect.succeed(plain) : Effect.fail(
    new InvalidOptions({
      option: "encryptionKey",
      problem:
        "the Redis token store encrypts tokens at rest: give an encryptionKey (MONTA_TOKEN_ENCRYPTION_KEY), or set allowPlaintext: true to store them in clear"
    })
  )
}

/** Builds the Redis token store: two connections (commands, pub/sub) in the scope. */
export const make = (options: StoreOptions): Effect.Effect<TokenStoreService, InvalidOptions, Scope.Scope> =>
  Effect.gen(function*() {
    const sealer = yield* resolveSealer(options)
    const prefix = options.keyPrefix ?? defaults.keyPrefix
    const leaseTtl = Duration.decode(options.leaseTtl ?? defaults.leaseTtl)
    const waitTimeout = Duration.decode(options.waitTimeout ?? defaults.waitTimeout)
    const maxWait = Duration.decode(options.maxWait ?? defaults.maxWait)
    const pollInterval = Duration.decode(options.pollInterval ?? defaults.pollInterval)
    const commandTimeout = Duration.decode(options.commandTimeout ?? defaults.commandTimeout)
    const connection = {
      url: options.url ?? defaults.url,
      commandTimeout,
      connectTimeout: Duration.decode(options.connectTimeout ?? defaults.connectTimeout)
    }
    const fail = (operation: string, detail: string) => new TokenStoreError({ operation, detail })
    // Both connections open at once: with Redis down, the layer waits `connectTimeout` once, not twice.
    const [commands, { redis: subscriber }] = yield* Effect.all([
      makeClient(connection, { kind: "commands", name: "token store" }, fail),
      makeClient(connection, { kind: "subscriber", name: "token store pub/sub" }, fail)
    ], { concurrency: "unbounded" })
    const redis = commands.redis as Redis & StoreCommands
    redis.defineCommand("casWrite", { numberOfKeys: 1, lua: CAS_WRITE })
    redis.defineCommand("leaseRelease", { numberOfKeys: 1, lua: LEASE_RELEASE })
    redis.defineCommand("leaseRenew", { numberOfKeys: 1, lua: LEASE_RENEW })
    const run = commands.run

    // Version announcements: one pattern subscription on a dedicated connection.
    const announcements = yield* PubSub.unbounded<string>()
    const channelPrefix = keysFor(prefix, "").channel
    subscriber.on("pmessage", (_pattern: string, channel: string) => {
      if (channel.startsWith(channelPrefix)) {
        // runSyncExit: a message arriving while the scope closes must not throw in ioredis's emitter.
        Effect.runSyncExit(PubSub.publish(announcements, channel.slice(channelPrefix.length)))
      }
    })
    const pattern = `${channelPrefix.replace(/[*?[\]\\]/g, (char) => `\\${char}`)}*`
    // Queued until connected; ioredis re-subscribes after every reconnect. Polling covers the gaps.
    subscriber.psubscribe(pattern).catch(() => undefined)

    const load = (clientId: string): Effect.Effect<Option.Option<StoredToken>, TokenStoreError> =>
      run("load", () => redis.hmget(keysFor(prefix, clientId).token, "version", "encoding", "payload")).pipe(
        Effect.flatMap(([version, encoding, payload]) => {
          if (version === null || encoding === null || payload === null) {
            return Effect.succeed(Option.none<StoredToken>())
          }
          return Effect.try({
            try: () => {
              const token = decodeToken(sealer.open(payload, encoding, clientId))
              return token.clientId === clientId
                ? Option.some(new StoredToken({ ...token, version: Number(version) }))
                : Option.none<StoredToken>()
            },
            // A decoding error may quote the payload: only our own sealing messages are passed on.
            catch: (cause) =>
              new TokenStoreError({
                operation: "load",
                detail: `stored pair of ${clientId} unreadable: ${
                  cause instanceof Error && cause.message.startsWith("the stored pair")
                    ? cause.message
                    : "not a valid StoredToken"
                }`
              })
          })
        })
      )

    const clear = (clientId: string): Effect.Effect<void, TokenStoreError> =>
      run("clear", () => redis.del(keysFor(prefix, clientId).token)).pipe(Effect.asVoid)

    /** F1: writes the pair by compare-and-set over the stored version; answers what is stored. */
    const save: TokenStoreService["save"] = (token, { expectedVersion }) =>
      Effect.gen(function*() {
        const keys = keysFor(prefix, token.clientId)
        const payload = sealer.seal(encodeToken(token), token.clientId)
        const [written] = yield* run(
          "save",
          () =>
            redis.casWrite(
              keys.token,
              String(expectedVersion),
              String(token.version),
              sealer.encoding,
              payload,
              keys.channel
            )
        )
        if (written === 1) return { saved: true, current: Option.some(token) }
        return { saved: false, current: yield* load(token.clientId) }
      })

    // How long each clientId has waited for a version, so `maxWait` bounds the rounds in all.
    const waits = new Map<string, { readonly version: number; readonly since: number }>()

    /** F2: `SET NX PX`; the holder renews it every third of its life until the scope closes. */
    const lease: TokenStoreService["lease"] = (clientId) =>
      Effect.gen(function*() {
        const keys = keysFor(prefix, clientId)
        const owner = randomUUID()
        const acquired = yield* run(
          "lease",
          () => redis.set(keys.lease, owner, "PX", Duration.toMillis(leaseTtl), "NX")
        )
        if (acquired !== "OK") return false
        waits.delete(clientId)
        yield* Effect.addFinalizer(() =>
          run("lease release", () => redis.leaseRelease(keys.lease, owner, keys.channel)).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning(`monta-auth: lease release failed (it expires by itself): ${error.detail}`)
            )
          )
        )
        const renewEvery = Duration.divide(leaseTtl, 3).pipe(Option.getOrElse(() => leaseTtl))
        yield* run("lease renew", () => redis.leaseRenew(keys.lease, owner, String(Duration.toMillis(leaseTtl)))).pipe(
          Effect.flatMap((held) =>
            held === 1
              ? Effect.void
              : Effect.logWarning(`monta-auth: lost the refresh lease of ${clientId} during a refresh`)
          ),
          Effect.catchAll((error) => Effect.logWarning(`monta-auth: lease renewal failed: ${error.detail}`)),
          Effect.repeat(Schedule.spaced(renewEvery)),
          Effect.delay(renewEvery),
          Effect.withClock(liveClock),
          Effect.forkScoped
        )
        return true
      })

    /**
     * F3: waits (live clock) until a version above `above` is stored (answering it), or the lease
     * is free again, or `waitTimeout` passed (answering none: try the lease again). After `maxWait`
     * of waiting for the same version in all, the holder is taken for hung: `TokenStoreError`.
     */
    const awaitNewer: TokenStoreService["awaitNewer"] = (clientId, above) =>
      Effect.gen(function*() {
        const keys = keysFor(prefix, clientId)
        const now = yield* liveClock.currentTimeMillis
        const known = waits.get(clientId)
        const wait = known !== undefined && known.version === above ? known : { version: above, since: now }
        waits.set(clientId, wait)
        const giveUpAt = wait.since + Duration.toMillis(maxWait)
        if (now >= giveUpAt) {
          waits.delete(clientId)
          return yield* new TokenStoreError({
            operation: "awaitNewer",
            detail: `no new token from the lease holder of ${clientId} within ${Duration.format(maxWait)}`
          })
        }
        const deadline = Math.min(now + Duration.toMillis(waitTimeout), giveUpAt)
        const subscription = yield* PubSub.subscribe(announcements)
        while (true) {
          const latest = yield* load(clientId)
          if (Option.isSome(latest) && latest.value.version > above) {
            waits.delete(clientId)
            return latest
          }
          const leased = yield* run("lease check", () => redis.exists(keys.lease))
          const at = yield* liveClock.currentTimeMillis
          if (leased === 0 || at >= deadline) return Option.none<StoredToken>()
          yield* Queue.take(subscription).pipe(
            Effect.timeout(Duration.min(pollInterval, Duration.millis(deadline - at))),
            Effect.ignore,
            Effect.withClock(liveClock)
          )
        }
      }).pipe(Effect.scoped)

    return TokenStore.of({ load, save, lease, awaitNewer, clear })
  })
