import type { MontaRateLimiterStoreService, RateLimitTake } from "@monta-auth/core"
import { RateLimiterStoreError } from "@monta-auth/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Redis } from "ioredis"
import { makeClient } from "./connection.js"

/** Options of the Redis rate-limit store (mirrors the public `RedisRateLimiterStoreOptions`). */
export interface RateStoreOptions {
  readonly url?: string | undefined
  readonly keyPrefix?: string | undefined
  readonly commandTimeout?: Duration.DurationInput | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/** The hash holding the current window `{start, end, count}` of a budget key. */
export const rateKeyFor = (prefix: string, key: string) => `${prefix}rate:${key}`

// Both scripts mirror core's memory store exactly; Redis runs each atomically, so the whole
// fleet counts in one window (F4). Times are the callers' Effect `Clock` millis (`now`).
const TAKE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call("HMGET", KEYS[1], "start", "end", "count")
local start, stop, count = tonumber(state[1]), tonumber(state[2]), tonumber(state[3])
if start == nil or stop == nil or count == nil or stop <= now then
  start, stop, count = now, now + window, 0
end
local taken = 0
if count + cost <= limit then
  count = count + cost
  taken = 1
end
redis.call("HSET", KEYS[1], "start", tostring(start), "end", tostring(stop), "count", tostring(count))
return {taken, tostring(start), tostring(stop), tostring(limit - count)}
`

const CORRECT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local windowStart = tonumber(ARGV[3])
local used = tonumber(ARGV[4])
local refund = tonumber(ARGV[5])
local resetsAt = tonumber(ARGV[6])
local state = redis.call("HMGET", KEYS[1], "start", "end", "count")
local start, stop, count = tonumber(state[1]), tonumber(state[2]), tonumber(state[3])
local current = start ~= nil and stop ~= nil and count ~= nil and stop > now
if windowStart ~= nil then
  if not current or start ~= windowStart then return 0 end
elseif not current then
  start, stop, count = now, now + window, 0
end
count = math.max(0, math.max(count, used) - refund)
if resetsAt ~= nil then stop = resetsAt end
redis.call("HSET", KEYS[1], "start", tostring(start), "end", tostring(stop), "count", tostring(count))
return 1
`

interface RateCommands {
  rateTake(
    key: string,
    now: string,
    window: string,
    limit: string,
    cost: string
  ): Promise<[number, string, string, string]>
  rateCorrect(
    key: string,
    now: string,
    window: string,
    windowStart: string,
    used: string,
    refund: string,
    resetsAt: string
  ): Promise<number>
}

/** Builds the Redis rate-limit store: one connection in the scope. */
export const make = (options: RateStoreOptions): Effect.Effect<MontaRateLimiterStoreService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = options.keyPrefix ?? "monta-auth:"
    const connection = yield* makeClient(
      {
        url: options.url ?? "redis://127.0.0.1:6379",
        commandTimeout: Duration.decode(options.commandTimeout ?? Duration.seconds(1)),
        connectTimeout: Duration.decode(options.connectTimeout ?? Duration.seconds(2))
      },
      { kind: "commands", name: "rate budget" },
      (operation, detail) => new RateLimiterStoreError({ operation, detail })
    )
    const redis = connection.redis as Redis & RateCommands
    const command = connection.run
    redis.defineCommand("rateTake", { numberOfKeys: 1, lua: TAKE })
    redis.defineCommand("rateCorrect", { numberOfKeys: 1, lua: CORRECT })
    const millis = (duration: Duration.Duration) => String(Duration.toMillis(duration))
    return {
      take: ({ budget, cost, key, now }) =>
        command(
          "take",
          () =>
            redis.rateTake(
              rateKeyFor(prefix, key),
              String(now),
              millis(budget.window),
              String(budget.limit),
              String(cost)
            )
        ).pipe(
          Effect.map(([taken, start, end, remaining]): RateLimitTake => ({
            taken: taken === 1,
            windowStart: Number(start),
            resetsAt: Number(end),
            remaining: Number(remaining)
          }))
        ),
      correct: ({ budget, key, now, refund, resetsAt, used, windowStart }) =>
        command("correct", () =>
          redis.rateCorrect(
            rateKeyFor(prefix, key),
            String(now),
            millis(budget.window),
            windowStart === undefined ? "" : String(windowStart),
            String(used),
            String(refund),
            resetsAt === undefined ? "" : String(resetsAt)
          )).pipe(Effect.asVoid)
    }
  })
