// Copied by the pack check into each installed project and run there with plain Node (the tsx
// of the project is never registered): imports every package and each of its public modules,
// checks that internal modules are not importable, then gets a token and pages charge points
// from MontaFake on a localhost socket with the installed MontaAuth and MontaHttpClient.
// argv[2]: JSON of { [package name]: [public module names] }.
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import { grants, Scope } from "@monta-auth/schema"
import { MontaFake } from "@monta-auth/testing"
import { Effect, Layer, Redacted, Schema, Stream } from "effect"

const fail = (message) => {
  throw new Error(`smoke: ${message}`)
}

const packages = JSON.parse(process.argv[2])
let imported = 0
for (const [name, modules] of Object.entries(packages)) {
  const index = await import(name)
  if (Object.keys(index).length === 0) fail(`${name} exports nothing`)
  // bin runs the command when imported: it is the executable, not a module to import. A module
  // of types only (ConsumerInput) imports as an empty namespace.
  for (const module of modules.filter((module) => module !== "bin")) {
    await import(`${name}/${module}`)
    imported++
  }
  const internal = await import(`${name}/internal/${modules[0]}`).then(() => true, () => false)
  if (internal) fail(`${name}/internal/* must not be importable`)
}
const Redis = await import("@monta-auth/redis")
if (typeof Redis.RedisFleet?.layer !== "function") fail("@monta-auth/redis has no RedisFleet.layer")
const Cli = await import("@monta-auth/cli")
if (typeof Cli.MontaAuthCli?.run !== "function") fail("@monta-auth/cli has no MontaAuthCli.run")
const Webhooks = await import("@monta-auth/webhooks")
if (typeof Webhooks.MontaWebhook?.handler !== "function") fail("@monta-auth/webhooks has no MontaWebhook.handler")
if (!grants(Schema.decodeSync(Scope)("all:delete"), "charge-points:write")) fail("grants is wrong")

const Auth = Layer.unwrapEffect(Effect.map(MontaFake, (fake) =>
  MontaAuth.layer({
    clientId: MontaFake.demoConsumer.clientId,
    clientSecret: Redacted.make(MontaFake.demoConsumer.clientSecret),
    baseUrl: fake.baseUrl
  }))).pipe(Layer.provideMerge(MontaFake.layerServer()))
const Live = MontaHttpClient.layer().pipe(Layer.provideMerge(Auth))

const program = Effect.gen(function*() {
  const auth = yield* MontaAuth
  const token = yield* auth.accessToken
  if (Redacted.value(token).length === 0) fail("empty token")
  return yield* MontaHttpClient.paginate("/charge-points", Schema.Struct({ id: Schema.Number })).pipe(Stream.runCount)
})
const count = await Effect.runPromise(program.pipe(Effect.provide(Live), Effect.scoped))
if (count === 0) fail("no charge points")
console.log(
  `smoke: ${Object.keys(packages).length} packages and ${imported} public modules imported; ` +
    `a token and ${count} charge points through the installed MontaAuth and MontaHttpClient`
)
