import type { RotateRequest, TokenStoreService } from "@monta-auth/core"
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

    const versionOf = (token: Option.Option<StoredToken>) =>
      Option.match(token, { onNone: () => 0, onSome: (stored) => stored.version })

    const usable = <E, R>(
      request: RotateRequest<E, R>,
      latest: Option.Option<StoredToken>
    ): latest is Option.Some<StoredToken> =>
      Option.isSome(latest) &&
      Option.match(request.seen, { onNone: () => true, onSome: (seen) => latest.value.version > seen }) &&
      request.accept(latest.value)

    /**
     * Writes the pair by compare-and-set (F1) over the stored version `expected`, with version
     * `max(expected, floor) + 1`: never below a version an instance has seen (after a Redis restart
     * lost the data, instances still adopt it). When another instance stored a version meanwhile
     * (our lease had lapsed), ours loses: the stored pair is returned if the request accepts it;
     * only a stored pair it does not accept (or a deleted one) is written over.
     */
    const write = <E, R>(
      request: RotateRequest<E, R>,
      fresh: Omit<StoredToken, "version">,
      expected: number,
      floor: number
    ): Effect.Effect<StoredToken, TokenStoreError> =>
      Effect.gen(function*() {
        const keys = keysFor(prefix, fresh.clientId)
        let over = expected
        for (let attempt = 0; attempt < 3; attempt++) {
          const token = new StoredToken({ ...fresh, version: Math.max(over, floor) + 1 })
          const payload = sealer.seal(encodeToken(token), token.clientId)
          const [written, current] = yield* run(
            "save",
            () =>
              redis.casWrite(keys.token, String(over), String(token.version), sealer.encoding, payload, keys.channel)
          )
          if (written === 1) return token
          const stored = yield* load(fresh.clientId)
          if (usable(request, stored)) {
            yield* Effect.logWarning(
              `monta-auth: another instance stored v${stored.value.version} of ${fresh.clientId} during our refresh (our lease had lapsed); using it, ours is not stored`
            )
            return stored.value
          }
          yield* Effect.logWarning(
            `monta-auth: the pair of ${fresh.clientId} changed during our refresh (v${current}) to one we cannot use; storing ours over it`
          )
          over = versionOf(stored)
        }
        return yield* new TokenStoreError({ operation: "save", detail: "version kept changing during the write" })
      })

    /** Runs `refresh` while holding the lease; the lease is renewed until the scope closes. */
    const refreshUnderLease = <E, R>(request: RotateRequest<E, R>, owner: string) =>
      Effect.gen(function*() {
        const keys = keysFor(prefix, request.clientId)
        yield* Effect.addFinalizer(() =>
          run("lease release", () => redis.leaseRelease(keys.lease, owner, keys.channel)).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning(`monta-auth: lease release failed (it expires by itself): ${error.detail}`)
            )
          )
        )
        yield* run("lease renew", () => redis.leaseRenew(keys.lease, owner, String(Duration.toMillis(leaseTtl)))).pipe(
          Effect.flatMap((held) =>
            held === 1
              ? Effect.void
              : Effect.logWarning(`monta-auth: lost the refresh lease of ${request.clientId} during a refresh`)
          ),
          Effect.catchAll((error) => Effect.logWarning(`monta-auth: lease renewal failed: ${error.detail}`)),
          Effect.repeat(Schedule.spaced(Duration.divide(leaseTtl, 3).pipe(Option.getOrElse(() => leaseTtl)))),
          Effect.delay(Duration.divide(leaseTtl, 3).pipe(Option.getOrElse(() => leaseTtl))),
          Effect.withClock(liveClock),
          Effect.forkScoped
        )
        // Another instance may have rotated between our read and our lease.
        const latest = yield* load(request.clientId)
        if (usable(request, latest)) return latest.value
        const fresh = yield* request.refresh(latest)
        const floor = Option.getOrElse(request.seen, () => 0)
        const fallbackVersion = Math.max(versionOf(latest), floor) + 1
        // The pair is rotated already: failing to store it must not lose it (F5).
        return yield* write(request, fresh, versionOf(latest), floor).pipe(
          Effect.catchAll((error) =>
            Effect.as(
              Effect.logError(
                `monta-auth: could not store the new pair of ${request.clientId} in Redis (${error.detail}); keeping it in memory`
              ),
              new StoredToken({ ...fresh, version: fallbackVersion })
            )
          )
        )
      }).pipe(Effect.scoped)

    /**
     * Waits (live clock) until a version above `above` is stored, or the lease is free again (its
     * holder released it, or died and it expired), or the round times out.
     */
    const waitForNewer = (clientId: string, above: number) =>
      Effect.gen(function*() {
        const keys = keysFor(prefix, clientId)
        const subscription = yield* PubSub.subscribe(announcements)
        const deadline = (yield* liveClock.currentTimeMillis) + Duration.toMillis(waitTimeout)
        while (true) {
          const latest = yield* load(clientId)
          if (versionOf(latest) > above) return latest
          const leased = yield* run("lease check", () => redis.exists(keys.lease))
          if (leased === 0) return Option.none<StoredToken>()
          const now = yield* liveClock.currentTimeMillis
          if (now >= deadline) return Option.none<StoredToken>()
          yield* Queue.take(subscription).pipe(
            Effect.timeout(Duration.min(pollInterval, Duration.millis(deadline - now))),
            Effect.ignore,
            Effect.withClock(liveClock)
          )
        }
      }).pipe(Effect.scoped)

    const rotate = <E, R>(request: RotateRequest<E, R>): Effect.Effect<StoredToken, E | TokenStoreError, R> =>
      Effect.gen(function*() {
        const keys = keysFor(prefix, request.clientId)
        const owner = randomUUID()
        const giveUpAt = (yield* liveClock.currentTimeMillis) + Duration.toMillis(maxWait)
        while (true) {
          const latest = yield* load(request.clientId)
          if (usable(request, latest)) return latest.value
          const acquired = yield* run(
            "lease",
            () => redis.set(keys.lease, owner, "PX", Duration.toMillis(leaseTtl), "NX")
          )
          if (acquired === "OK") return yield* refreshUnderLease(request, owner)
          const newer = yield* waitForNewer(request.clientId, versionOf(latest))
          if (usable(request, newer)) return newer.value
          if ((yield* liveClock.currentTimeMillis) >= giveUpAt) {
            return yield* new TokenStoreError({
              operation: "rotate",
              detail: `no new token from the lease holder of ${request.clientId} within ${Duration.format(maxWait)}`
            })
          }
        }
      })

    return TokenStore.of({ load, clear, rotate })
  })
