// `pnpm pack-check`: proves the packages work as a user installs them. It packs every package of
// packages/ (after `pnpm build`: dist with declarations, `workspace:` ranges and `publishConfig`
// applied by pnpm), installs the tarballs with npm into an empty project in a temporary folder,
// and there, in plain Node without tsx: imports every package, gets a token and pages charge
// points from MontaFake on a localhost socket with the built MontaAuth and MontaHttpClient, checks
// that internal modules are not importable, and runs the installed `monta-auth` binary.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const work = fs.mkdtempSync(path.join(os.tmpdir(), "monta-auth-pack-"))
const packs = path.join(work, "packs")
const app = path.join(work, "app")
fs.mkdirSync(packs)
fs.mkdirSync(app)

const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"] }).toString()
const step = (text) => process.stdout.write(`pack-check: ${text}\n`)

try {
  const pnpm = process.env["npm_execpath"] !== undefined && /pnpm/.test(process.env["npm_execpath"])
    ? [process.execPath, [process.env["npm_execpath"]]]
    : ["npx", [
      "-y",
      `pnpm@${JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).packageManager.split("@")[1]}`
    ]]
  run(pnpm[0], [...pnpm[1], "-r", "--filter", "./packages/*", "pack", "--pack-destination", packs], root)
  const tarballs = fs.readdirSync(packs).filter((file) => file.endsWith(".tgz")).sort()
  step(`packed ${tarballs.join(", ")}`)
  for (const tarball of tarballs) {
    const listing = run("tar", ["-tzf", path.join(packs, tarball)], root).split("\n")
    if (!listing.includes("package/dist/index.js") || !listing.includes("package/dist/index.d.ts")) {
      throw new Error(`${tarball} has no dist/index.js and dist/index.d.ts: run pnpm build first`)
    }
  }

  // The versions this workspace locks, so the installed project runs what the tests ran.
  const core = JSON.parse(fs.readFileSync(path.join(root, "packages/core/package.json"), "utf8"))
  const testing = JSON.parse(fs.readFileSync(path.join(root, "packages/testing/package.json"), "utf8"))
  fs.writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify(
      {
        name: "monta-auth-pack-check",
        private: true,
        type: "module",
        dependencies: {
          ...Object.fromEntries(
            tarballs.map((tarball) => [
              `@monta-auth/${tarball.replace(/^monta-auth-/, "").replace(/-\d+\.\d+\.\d+\.tgz$/, "")}`,
              `file:${path.join(packs, tarball)}`
            ])
          ),
          "effect": core.peerDependencies["effect"],
          "@effect/platform": core.peerDependencies["@effect/platform"],
          "@effect/platform-node": testing.peerDependencies["@effect/platform-node"]
        }
      },
      null,
      2
    )
  )
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], app)
  step("installed the tarballs with npm")

  fs.writeFileSync(
    path.join(app, "smoke.mjs"),
    `import { NodeHttpClient } from "@effect/platform-node"
import { MontaAuth, MontaHttpClient } from "@monta-auth/core"
import * as Redis from "@monta-auth/redis"
import { grants, Scope } from "@monta-auth/schema"
import { MontaFake } from "@monta-auth/testing"
import * as Cli from "@monta-auth/cli"
import { Effect, Layer, Redacted, Schema, Stream } from "effect"

if (typeof Redis.RedisFleet?.layer !== "function") throw new Error("@monta-auth/redis has no RedisFleet.layer")
if (typeof Cli.MontaAuthCli?.run !== "function") throw new Error("@monta-auth/cli has no MontaAuthCli.run")
if (!grants(Schema.decodeSync(Scope)("all:delete"), "charge-points:write")) throw new Error("grants is wrong")
for (const internal of ["@monta-auth/core/internal/montaAuth", "@monta-auth/testing/internal/fake"]) {
  const imported = await import(internal).then(() => true, () => false)
  if (imported) throw new Error(internal + " must not be importable")
}

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
  if (Redacted.value(token).length === 0) throw new Error("empty token")
  const count = yield* MontaHttpClient.paginate("/charge-points", Schema.Struct({ id: Schema.Number })).pipe(Stream.runCount)
  return count
})
const count = await Effect.runPromise(program.pipe(Effect.provide(Live), Effect.scoped))
if (count === 0) throw new Error("no charge points")
console.log("smoke: token and " + count + " charge points through the installed packages")
`
  )
  process.stdout.write(run(process.execPath, ["smoke.mjs"], app))
  const help = run(path.join(app, "node_modules", ".bin", "monta-auth"), ["--help"], app)
  if (!/monta-auth/.test(help) || !/fake-server/.test(help)) throw new Error(`monta-auth --help printed:\n${help}`)
  step("the installed monta-auth binary runs (--help)")
  step("ok")
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
