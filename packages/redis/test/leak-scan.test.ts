/**
 * Issue 11 item 8, SPEC section 9 and H8: the leak scan. ONE faulty run against MontaFake served on
 * localhost (real sockets, real time): a bad secret first, then 5xx bursts with bodies echoing the
 * secret and the tokens, malformed bodies, decode failures (tokens in the wrong shape), a 429,
 * Redis down (a `RedisTokenStore` at a closed port, with a password in its URL), a hung store
 * (`TokenStore.makeSimple` whose `load` never returns), and the CLI's `monta-auth token` and
 * `monta-auth me` failing against the same fake. Everything a user can see is kept: every log
 * line (the logger at All), every span (attributes, events, status and exit, by a recording
 * tracer), every `events` element, every error's `message`, `String`, `JSON.stringify`,
 * `util.inspect` and `Cause.pretty`, the responses handed back, and the CLI's stdout and stderr.
 * They are searched for the client secrets (right and wrong), every access and refresh token the
 * fake issued (from its state), the Redis password and encryption key, and a webhook secret.
 *
 * It lives in `@monta-auth/redis` because that is the package that sees core, the fake, Redis and
 * the CLI's binary at once (core cannot depend on redis).
 */
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { MontaAuth, type MontaAuthOptions, MontaHttpClient, TokenStore } from "@monta-auth/core"
import { Fault, MontaFake } from "@monta-auth/testing"
import { MontaWebhook } from "@monta-auth/webhooks"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { failureRenderings, recordingLogger, recordingTracer, renderings } from "../../core/test/fixtures/recorders.js"
import { RedisTokenStore } from "../src/index.js"
import { freePort } from "./support/redis-server.js"

const bin = fileURLToPath(new URL("../../cli/bin/monta-auth.mjs", import.meta.url))

const clientId = MontaFake.demoConsumer.clientId
const clientSecret = MontaFake.demoConsumer.clientSecret
const wrongSecret = "wrong-secret-5d0c1e7a-94b2-4c3e-8f11-2b6a9d4e7c30"
const redisPassword = "redis-password-8c2f4b1e"
const encryptionKey = "leak-scan-encryption-key-0123456789abcdef"
/** A token in a body the server sends in the wrong shape (never issued, still a token). */
const shapedToken = "shaped-token-3e9a7c51-0b6d-4f28-a1c4-9d8e2f6b7a03"

interface Scanned {
  readonly channel: string
  readonly text: string
}

interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `monta-auth ...args` with only the given MONTA_* variables. */
const runCli = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.async<CliRun>((resume) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MONTA_")))
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...clean, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** The faulty run; returns everything it saw and every secret the scan must not find. */
const faultyRun = Effect.gen(function*() {
  const fake = yield* MontaFake
  const scanned: Array<Scanned> = []
  const add = (channel: string, texts: ReadonlyArray<string>) => {
    for (const text of texts) scanned.push({ channel, text })
  }
  const needles = new Map<string, string>([
    ["client secret", clientSecret],
    ["wrong client secret", wrongSecret],
    ["Redis password", redisPassword],
    ["encryption key", encryptionKey],
    ["token in a wrong-shaped body", shapedToken]
  ])
  /** Every pair the fake issued so far (its state keeps the pairs that may be in use). */
  const collectTokens = Effect.gen(function*() {
    for (const id of [clientId, MontaFake.teamConsumer.clientId]) {
      for (const pair of yield* fake.tokensOf(id)) {
        needles.set(`access token ${pair.accessToken.slice(0, 8)}`, pair.accessToken)
        needles.set(`refresh token ${pair.refreshToken.slice(0, 8)}`, pair.refreshToken)
      }
    }
  })
  /** Runs an effect of the scenario and keeps the renderings of its failure, or of its value. */
  const step = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(effect)
      add(`error of ${name}`, failureRenderings(exit))
      if (Exit.isSuccess(exit) && !Redacted.isRedacted(exit.value)) add(`value of ${name}`, renderings(exit.value))
      yield* collectTokens
      return exit
    })
  const options = (overrides: Partial<MontaAuthOptions> = {}): MontaAuthOptions => ({
    clientId,
    clientSecret: Redacted.make(clientSecret),
    baseUrl: fake.baseUrl,
    retry: { maxElapsed: "4 seconds" },
    ...overrides
  })
  /** MontaAuth on `store`, with its events kept for the scan. */
  const authOn = (store: Context.Tag.Service<TokenStore>, overrides?: Partial<MontaAuthOptions>) =>
    Effect.gen(function*() {
      const auth = yield* MontaAuth.make(options(overrides)).pipe(Effect.provideService(TokenStore, store))
      yield* Effect.forkScoped(
        Stream.runForEach(auth.events, (event) => Effect.sync(() => add(`event ${event._tag}`, renderings(event))))
      )
      yield* Effect.yieldNow()
      return auth
    })

  // 1. A bad secret, echoed by the server in its 401 (message and readableMessage).
  yield* fake.injectFault({
    path: "/auth/token",
    fault: Fault.Status({
      status: 401,
      body: {
        status: "UNAUTHORIZED",
        errorCode: "CONSUMER_NOT_FOUND",
        message: `no consumer with secret ${wrongSecret}`,
        readableMessage: `{"clientId":"${clientId}","clientSecret":"${wrongSecret}"}`
      }
    })
  })
  const bad = yield* authOn(yield* TokenStore.makeMemory, { clientSecret: Redacted.make(wrongSecret) })
  const rejected = yield* step("a bad secret", bad.accessToken)
  yield* step("a bad secret during the cool-down", bad.accessToken)

  // 2. Redis down (a closed port; the password in the URL), then 5xx bursts on /auth/token echoing the secret.
  const port = yield* Effect.promise(freePort)
  const redis = yield* RedisTokenStore.make({
    url: `redis://:${redisPassword}@127.0.0.1:${port}/0`,
    encryptionKey: Redacted.make(encryptionKey),
    connectTimeout: "300 millis",
    commandTimeout: "200 millis"
  }).pipe(Effect.orDie)
  yield* fake.injectFault({
    path: "/auth/token",
    times: 3,
    fault: Fault.Status({ status: 503, body: { message: `upstream rejected {"clientSecret":"${clientSecret}"}` } })
  })
  const auth = yield* authOn(redis)
  const acquired = yield* step("acquire through 5xx bursts with Redis down", auth.accessToken)
  const token = Exit.isSuccess(acquired) ? Redacted.value(acquired.value) : ""

  // 3. The HTTP client: a resource echoing the bearer (403, then 5xx bursts), a malformed body.
  const client = yield* Layer.build(MontaHttpClient.layer({ retry: { times: 2 } })).pipe(
    Effect.map(Context.get(MontaHttpClient)),
    Effect.provideService(MontaAuth, auth)
  )
  yield* fake.injectFault({
    path: "/charge-points/1",
    fault: Fault.Status({
      status: 403,
      body: { errorCode: "ACCESS_FORBIDDEN", message: `Bearer ${token} may not`, readableMessage: token }
    })
  })
  yield* step("a 403 echoing the bearer", client.get("/charge-points/1"))
  yield* fake.injectFault({
    path: "/charge-points/2",
    times: 3,
    fault: Fault.Status({ status: 502, body: { message: `bad gateway for Authorization: Bearer ${token}` } })
  })
  yield* step("5xx bursts echoing the bearer", client.get("/charge-points/2"))
  yield* fake.injectFault({ path: "/charge-points/3", fault: Fault.MalformedBody() })
  yield* step("a malformed body read as JSON", Effect.flatMap(client.get("/charge-points/3"), (r) => r.json))
  yield* step(
    "a decode failure of a resource",
    Effect.flatMap(
      client.get("/charge-points/4"),
      HttpClientResponse.schemaBodyJson(Schema.Struct({ id: Schema.String }))
    )
  )
  yield* step(
    "a dropped connection",
    Effect.zipRight(
      fake.injectFault({ path: "/charge-points/5", times: 3, fault: Fault.Drop() }),
      client.get("/charge-points/5")
    )
  )

  // 4. Proactive refreshes (tokens of 8 s, a margin of 5 s: real time): 5xx echoing the refresh
  // token, a 429, a 200 with the tokens in the wrong shape, then a rotation; /auth/token of the
  // wrong shape after an invalidation.
  yield* fake.setTokenLifetimes({ access: "8 seconds" })
  yield* auth.invalidate()
  yield* step("a short-lived token", auth.accessToken)
  const shortLived = Redacted.value(yield* auth.accessToken)
  const sentRefresh = (yield* fake.tokensOf(clientId)).find((pair) => pair.accessToken === shortLived)?.refreshToken
  yield* fake.injectFault({
    path: "/auth/refresh",
    times: 2,
    fault: Fault.Status({ status: 500, body: { message: `refresh ${sentRefresh} failed`, errorCode: sentRefresh } })
  })
  yield* fake.injectFault({ path: "/auth/refresh", fault: Fault.Status({ status: 429, retryAfter: 1 }) })
  yield* fake.injectFault({
    path: "/auth/refresh",
    fault: Fault.Status({
      status: 200,
      body: { accessToken: [shapedToken], refreshToken: { value: sentRefresh }, accessTokenExpirationDate: 1 }
    })
  })
  const rotated = Effect.map(
    fake.journal,
    (journal) => journal.some((entry) => entry.path === "/auth/refresh" && entry.status === 200 && !entry.fault)
  )
  yield* rotated.pipe(
    Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (done) => done }),
    Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("no rotation within 30 s") })
  )
  yield* fake.setTokenLifetimes({ access: "1 hour" })
  yield* step("the rotated token", auth.accessToken)
  yield* fake.injectFault({
    path: "/auth/token",
    fault: Fault.Status({ status: 200, body: { accessToken: shapedToken, refreshToken: clientSecret } })
  })
  yield* auth.invalidate()
  yield* step("/auth/token answered with the tokens in the wrong shape", auth.accessToken)
  yield* step("a new token after that", auth.accessToken)
  yield* fake.injectFault({ path: "/auth/me", fault: Fault.WrongShape() })
  yield* step("/auth/me of the wrong shape", auth.me)
  // An echo is of what was sent: the bearer of this request, the current token.
  const current = Redacted.value(yield* auth.accessToken)
  yield* fake.injectFault({
    path: "/auth/me",
    fault: Fault.Status({
      status: 401,
      body: { message: `token ${current} unknown`, errorCode: "INVALID_ACCESS_TOKEN" }
    })
  })
  yield* step("/auth/me refusing and echoing the token", auth.me)
  yield* step("a scope check", auth.requireScope("charge-points:delete"))
  yield* step("another resource call", client.get("/charge-points/1"))

  // 5. A hung store: its load never returns (bounded at 300 ms), so the pair lives in memory.
  const hung = yield* TokenStore.makeSimple(
    { load: () => Effect.never, save: () => Effect.never, clear: () => Effect.never },
    { timeout: "300 millis" }
  )
  const onHung = yield* authOn(hung)
  yield* step("a hung store", onHung.accessToken)
  yield* step("a hung store, from memory", onHung.accessToken)

  // 6. The CLI against the same fake: a bad secret echoed, a wrong-shaped /auth/token, /auth/me echoing.
  const env = (secret: string) => ({
    MONTA_CLIENT_ID: clientId,
    MONTA_CLIENT_SECRET: secret,
    MONTA_BASE_URL: fake.baseUrl
  })
  const cliRuns: Array<CliRun> = []
  const cli = (name: string, args: ReadonlyArray<string>, secret: string) =>
    Effect.gen(function*() {
      const run = yield* runCli(args, env(secret))
      cliRuns.push(run)
      add(`CLI ${name} stdout`, [run.stdout])
      add(`CLI ${name} stderr`, [run.stderr])
      yield* collectTokens
    })
  yield* fake.injectFault({
    path: "/auth/token",
    fault: Fault.Status({ status: 401, body: { message: `bad secret ${wrongSecret}`, errorCode: wrongSecret } })
  })
  yield* cli("token with a bad secret", ["token"], wrongSecret)
  yield* fake.injectFault({
    path: "/auth/token",
    fault: Fault.Status({ status: 200, body: { accessToken: { token: clientSecret }, refreshToken: [shapedToken] } })
  })
  yield* cli("token with a malformed answer", ["token"], clientSecret)
  for (const path of ["/auth/me", "/consumers/me"]) {
    yield* fake.injectFault({
      path,
      fault: Fault.Status({
        status: 403,
        body: { errorCode: "ACCESS_FORBIDDEN", message: `not for ${clientSecret}`, readableMessage: clientSecret }
      })
    })
  }
  yield* cli("me refused with the secret echoed", ["me", "--timeout", "10"], clientSecret)

  // 7. A webhook delivery with a wrong signature: the error names the reason, never the secret.
  const webhookSecret = Redacted.value(yield* fake.webhookSecret(clientId))
  needles.set("webhook secret", webhookSecret)
  const body = JSON.stringify({ entries: [], pending: 0, timestamp: 0 })
  yield* step(
    "a webhook with a wrong signature",
    MontaWebhook.verify({ secret: Redacted.make(webhookSecret), body, signature: `sha1=${"0".repeat(40)}` })
  )

  const refreshes = (yield* fake.journal).filter((entry) => entry.path === "/auth/refresh").map((entry) =>
    entry.fault === undefined ? String(entry.status) : `${entry.status} ${entry.fault}`
  )
  return { scanned, needles, rejected, cliRuns, refreshes }
})

const hitsIn = (scanned: ReadonlyArray<Scanned>, needles: ReadonlyMap<string, string>) =>
  scanned.flatMap(({ channel, text }) =>
    [...needles].filter(([, needle]) => text.includes(needle)).map(([what]) => `${what} in ${channel}`)
  )

/** What the first test found in the exits of the HTTP client spans, and their names, for the second. */
let clientSpanExits: {
  readonly texts: ReadonlyArray<Scanned>
  readonly needles: ReadonlyMap<string, string>
  readonly names: ReadonlyArray<string>
} = { texts: [], needles: new Map(), names: [] }

describe("leak scan (issue 11 item 8, SPEC 9, H8)", () => {
  it.live("H8: one faulty run: no secret, access token or refresh token in any text a user can see", () => {
    const { spans, tracer } = recordingTracer()
    const { lines, logger } = recordingLogger()
    return Effect.gen(function*() {
      const { cliRuns, needles, refreshes, rejected, scanned } = yield* faultyRun
      // The fake's own server spans (http.server) are the provider's side of the wire: not scanned.
      const clientSpans = spans.filter((span) => !span.name.startsWith("http.server"))
      const httpExits: Array<Scanned> = []
      for (const span of clientSpans) {
        for (const text of span.exported) scanned.push({ channel: `span ${span.name}`, text })
        // The exit a custom tracer holds, scanned with the rest; those of the HTTP client spans
        // (kind client: ours, the platform's disabled for our requests) also for the next test.
        const exit = { channel: `span exit ${span.name}`, text: span.exitRendering }
        scanned.push(exit)
        if (span.kind === "client") httpExits.push(exit)
      }
      clientSpanExits = {
        texts: httpExits,
        needles,
        names: clientSpans.filter((span) => span.kind === "client").map((span) => span.name)
      }
      for (const line of lines) scanned.push({ channel: "log", text: line })
      const hits = hitsIn(scanned, needles)
      const tokens = [...needles.keys()].filter((what) => what.includes("token ")).length
      const perChannel = new Map<string, number>()
      for (const { channel } of scanned) {
        const kind = channel.split(" ")[0]!
        perChannel.set(kind, (perChannel.get(kind) ?? 0) + 1)
      }
      const channels = new Set(perChannel.keys())
      const breakdown = [...perChannel].map(([kind, count]) => `${kind} ${count}`).join(", ")
      console.log(
        `leak scan: ${scanned.length} texts (${spans.length} spans, ${lines.length / 5} log lines, ` +
          `${cliRuns.length} CLI runs) searched for ${needles.size} secrets (${tokens} issued tokens): ${hits.length} hits; ` +
          `the HTTP client span exits (${httpExits.length}): ${
            hitsIn(httpExits, needles).length
          } hits; by channel: ${breakdown}`
      )
      assert.deepStrictEqual(hits, [])
      // The run did what it says: a typed error for the bad secret, tokens issued, every channel seen.
      assert.isTrue(Exit.isFailure(rejected))
      assert.isAtLeast(tokens, 6)
      assert.isAtLeast(scanned.length, 500)
      for (const channel of ["error", "value", "event", "span", "log", "CLI"]) {
        assert.isTrue(channels.has(channel), channel)
      }
      assert.deepStrictEqual(cliRuns.map((run) => run.code !== 0), [true, true, true])
      for (const answer of ["500 Status", "429 Status", "200 Status", "200"]) assert.include(refreshes, answer)
      assert.isTrue(lines.some((line) => line.includes("DEBUG") || line.includes("level=DEBUG")))
      assert.isTrue(scanned.some(({ text }) => text.includes("Redis")), "the Redis outage was logged")
      assert.isTrue(Option.isSome(Option.fromNullable(spans.find((span) => span.name === "MontaAuthApi.refresh"))))
    }).pipe(
      Effect.scoped,
      Effect.provide(MontaFake.layerServer()),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.All),
      Effect.withTracer(tracer),
      Effect.orDie
    )
  }, 120_000)

  // The platform's own `http.client` span ends with an Exit whose value is the HttpClientResponse,
  // and its `request` keeps the body of /auth/token and /auth/refresh (client secret, refresh
  // token) and the Authorization header of resource calls. Core disables it for its requests
  // (`HttpClient.withTracerDisabledWhen`) and opens its own per attempt, which ends with our typed
  // error or `Exit.void`.
  it("H8: no platform http.client span for our requests; the exits of our HTTP client spans hold no secret or token", () => {
    assert.isAbove(clientSpanExits.texts.length, 5, "the first test ran")
    assert.deepStrictEqual(clientSpanExits.names.filter((name) => name.startsWith("http.client")), [])
    for (const name of ["POST /auth/token", "POST /auth/refresh", "GET"]) assert.include(clientSpanExits.names, name)
    assert.deepStrictEqual(hitsIn(clientSpanExits.texts, clientSpanExits.needles), [])
  })
})
