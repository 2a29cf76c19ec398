/**
 * `examples/promise-facade.ts`, the recipe for calling monta-auth from Promise-based code: run as
 * a user runs it (a child process through tsx), and used in-process against MontaFake served on
 * localhost (real sockets, so plain `async` tests).
 */
import { assert, describe, it } from "@effect/vitest"
import { InvalidCredentials, MontaApiError } from "@monta-auth/core"
import { MontaFake } from "@monta-auth/testing"
import { Effect, ManagedRuntime } from "effect"
import { fileURLToPath } from "node:url"
import { runProcess } from "../packages/cli/test/run-cli.js"
import { createMontaClient, createMontaClientFromEnv } from "./promise-facade.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url))

/** MontaFake on a free localhost port for the body of one test, and its base URL. */
const withFake = async (body: (fake: MontaFake["Type"]) => Promise<void>) => {
  const runtime = ManagedRuntime.make(MontaFake.layerServer())
  try {
    await body(await runtime.runPromise(MontaFake))
  } finally {
    await runtime.dispose()
  }
}

const demo = MontaFake.demoConsumer

describe("examples/promise-facade.ts", () => {
  it.live("runs as a script: a cached token, a page of charge points, a typed rejection", () =>
    Effect.gen(function*() {
      const result = yield* runProcess(tsx, ["examples/promise-facade.ts"], { cwd: root })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      assert.match(result.stdout, /^token: 36 characters \(not shown\)$/m)
      assert.match(result.stdout, /^same token on the second call: true$/m)
      assert.match(result.stdout, /^charge points: 250; first: Charge point 1, .*Charge point 5$/m)
      assert.match(
        result.stdout,
        /^a missing charge point rejects with MontaApiError: GET .* HTTP 404 RESOURCE_NOT_FOUND/m
      )
    }), { timeout: 60_000 })

  it("L2: getToken resolves one cached token (one /auth/token for many calls) and fetchJson parses JSON", () =>
    withFake(async (fake) => {
      const client = createMontaClient({
        clientId: demo.clientId,
        clientSecret: demo.clientSecret,
        baseUrl: fake.baseUrl
      })
      try {
        const tokens = await Promise.all([client.getToken(), client.getToken(), client.getToken()])
        assert.strictEqual(new Set(tokens).size, 1)
        const page = await client.fetchJson("/charge-points?perPage=3") as { readonly data: ReadonlyArray<unknown> }
        assert.strictEqual(page.data.length, 3)
        const counters = await Effect.runPromise(fake.counters)
        assert.strictEqual(counters.tokenRequests, 1)
      } finally {
        await client.dispose()
      }
    }))

  it("H4: failures reject with the library's typed errors, not Effect's wrapper", () =>
    withFake(async (fake) => {
      const client = createMontaClient({
        clientId: demo.clientId,
        clientSecret: demo.clientSecret,
        baseUrl: fake.baseUrl
      })
      const wrong = createMontaClient({
        clientId: demo.clientId,
        clientSecret: "not-the-secret",
        baseUrl: fake.baseUrl
      })
      try {
        const missing = await client.fetchJson("/charge-points/999999").then(() => undefined, (error: unknown) => error)
        assert.instanceOf(missing, MontaApiError)
        assert.strictEqual((missing as MontaApiError).status, 404)
        const refused = await wrong.getToken().then(() => undefined, (error: unknown) => error)
        assert.instanceOf(refused, InvalidCredentials)
        assert.notInclude(String(refused), "not-the-secret")
      } finally {
        await client.dispose()
        await wrong.dispose()
      }
    }))

  it("the README's recipe: a client from MONTA_CLIENT_ID, MONTA_CLIENT_SECRET and MONTA_BASE_URL", () =>
    withFake(async (fake) => {
      const names = ["MONTA_CLIENT_ID", "MONTA_CLIENT_SECRET", "MONTA_BASE_URL"] as const
      const saved = names.map((name) => process.env[name])
      Object.assign(process.env, {
        MONTA_CLIENT_ID: demo.clientId,
        MONTA_CLIENT_SECRET: demo.clientSecret,
        MONTA_BASE_URL: fake.baseUrl
      })
      const client = createMontaClientFromEnv()
      try {
        const me = await client.fetchJson("/consumers/me") as { readonly clientId: string }
        assert.strictEqual(me.clientId, demo.clientId)
        assert.strictEqual((await Effect.runPromise(fake.counters)).tokenRequests, 1)
      } finally {
        await client.dispose()
        names.forEach((name, i) => {
          const value = saved[i]
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        })
      }
    }))

  it("dispose releases the client: later calls reject (the runtime is disposed)", () =>
    withFake(async (fake) => {
      const client = createMontaClient({
        clientId: demo.clientId,
        clientSecret: demo.clientSecret,
        baseUrl: fake.baseUrl
      })
      await client.getToken()
      await client.dispose()
      const after = await client.getToken().then(() => undefined, (error: unknown) => error)
      assert.instanceOf(after, Error)
      assert.include(String(after), "disposed")
    }))
})
