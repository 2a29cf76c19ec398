// One fresh project of the pack check, installed with one package manager (npm or pnpm) as the
// README tells a user to install (its pinned peers), plus tsx as a dependency: the installed
// `monta-auth` once crashed in any project with tsx (it ran src/bin.ts through it). Everything
// the project runs is run under pack-no-ts.mjs, which records any import of tsx and any
// TypeScript or src/ file a process loads; the check fails on any record.
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { check, run, step } from "./pack-util.mjs"

const scripts = path.dirname(fileURLToPath(import.meta.url))

/** Starts the installed `monta-auth fake-server --port 0` and answers its URL, credentials and a stop. */
const startFakeServer = (bin, env) =>
  new Promise((resolve, reject) => {
    const child = spawn(bin, ["fake-server", "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    let stdout = ""
    let stderr = ""
    const stop = () =>
      new Promise((stopped) => {
        if (child.exitCode !== null || child.signalCode !== null) return stopped()
        child.once("exit", () => stopped())
        process.kill(-child.pid, "SIGTERM")
      })
    const timer = globalThis.setTimeout(() => {
      stop().then(() => reject(new Error(`monta-auth fake-server printed no URL in 30 s:\n${stdout}\n${stderr}`)))
    }, 30_000)
    child.stderr.on("data", (chunk) => stderr += chunk)
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      const found = {
        baseUrl: /export MONTA_BASE_URL=(\S+)/.exec(stdout)?.[1],
        clientId: /export MONTA_CLIENT_ID=(\S+)/.exec(stdout)?.[1],
        clientSecret: /export MONTA_CLIENT_SECRET=(\S+)/.exec(stdout)?.[1]
      }
      if (Object.values(found).every((value) => value !== undefined)) {
        globalThis.clearTimeout(timer)
        resolve({ ...found, stop })
      }
    })
    child.once("exit", (code, signal) => {
      globalThis.clearTimeout(timer)
      reject(new Error(`monta-auth fake-server exited (${code ?? signal}):\n${stdout}\n${stderr}`))
    })
  })

/**
 * Installs the tarballs in `dir` with `manager` (`npm` or `pnpm`, the command as an argv prefix)
 * and runs the installed packages there.
 */
export const checkProject = async ({ name, command, dir, packages, peers, tsx }) => {
  fs.mkdirSync(dir, { recursive: true })
  const tarballs = packages.map((pkg) => pkg.tarball)
  // The tarballs depend on each other by version (`^0.1.0`), which no registry has: pnpm resolves
  // them to the tarballs by overrides; npm uses the top-level ones the same command installs.
  const overrides = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:${pkg.tarball}`]))
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify(
      {
        name: `monta-auth-pack-check-${name}`,
        version: "0.0.0",
        private: true,
        type: "module",
        ...(name === "pnpm" ? { pnpm: { overrides } } : {})
      },
      null,
      2
    ) + "\n"
  )
  // The README's install line: the packages with the pinned peers (`pnpm add` takes the same arguments).
  const install = name === "pnpm" ? ["add", "--reporter=append-only"] : ["install", "--no-audit", "--no-fund"]
  run(command[0], [...command.slice(1), ...install, ...tarballs, ...peers, tsx], { cwd: dir })
  step(`${name}: installed ${packages.map((pkg) => pkg.name).join(", ")} with ${peers.join(" ")} and ${tsx}`)

  // One copy of effect, of the 3.x line the peers pin (a second copy is what the peers prevent).
  const effects = new Set(
    // Real folders only: npm nests a second copy, pnpm keeps one folder per version under .pnpm.
    run("find", ["node_modules", "-path", "*/effect/package.json", "-not", "-path", "*/effect/*/*"], { cwd: dir })
      .split("\n").filter((line) => line !== "")
      .map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")))
      .filter((manifest) => manifest.name === "effect")
      .map((manifest) => manifest.version)
  )
  check(effects.size === 1 && /^3\./.test([...effects][0]), `${name}: effect installed as ${[...effects].join(", ")}`)
  check(fs.existsSync(path.join(dir, "node_modules", "tsx", "package.json")), `${name}: tsx is not installed`)

  const log = path.join(dir, "typescript-loads.log")
  fs.writeFileSync(log, "")
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --import=${path.join(scripts, "pack-no-ts.mjs")}`.trim(),
    PACK_CHECK_TS_LOG: log,
    NO_COLOR: "1"
  }
  for (const variable of Object.keys(env).filter((key) => key.startsWith("MONTA_"))) delete env[variable]
  const noTypeScript = (what) => {
    const records = fs.readFileSync(log, "utf8").trim()
    check(records === "", `${name}: ${what} loaded TypeScript or tsx:\n${records}`)
  }

  fs.copyFileSync(path.join(scripts, "pack-smoke.mjs"), path.join(dir, "smoke.mjs"))
  const modules = Object.fromEntries(packages.map((pkg) => [pkg.name, pkg.modules]))
  step(`${name}: ${run(process.execPath, ["smoke.mjs", JSON.stringify(modules)], { cwd: dir, env }).trim()}`)
  noTypeScript("the smoke test")

  const bin = path.join(dir, "node_modules", ".bin", "monta-auth")
  const help = run(bin, ["--help"], { cwd: dir, env })
  check(/monta-auth/.test(help) && /fake-server/.test(help) && /token/.test(help), `${name}: --help printed:\n${help}`)
  noTypeScript("monta-auth --help")
  step(`${name}: the installed monta-auth --help runs with tsx in the project`)

  const fake = await startFakeServer(bin, env)
  try {
    const tokenEnv = {
      ...env,
      MONTA_BASE_URL: fake.baseUrl,
      MONTA_CLIENT_ID: fake.clientId,
      MONTA_CLIENT_SECRET: fake.clientSecret
    }
    const token = run(bin, ["token"], { cwd: dir, env: tokenEnv })
    check(/^[^\s]+\n$/.test(token), `${name}: monta-auth token printed ${JSON.stringify(token)}`)
    const response = await globalThis.fetch(`${fake.baseUrl}/charge-points?perPage=2`, {
      headers: { authorization: `Bearer ${token.trim()}` }
    })
    check(response.status === 200, `${name}: the token of monta-auth token was refused (${response.status})`)
    const page = await response.json()
    check(Array.isArray(page.data) && page.data.length > 0, `${name}: no charge points with the token`)
    // With a cache: the first call logs in and writes it, the second answers from it (bin.js's fast path).
    const cache = path.join(dir, "cache", "tokens.json")
    const first = run(bin, ["token", "--token-cache", cache], { cwd: dir, env: tokenEnv })
    const second = run(bin, ["token", "--token-cache", cache], { cwd: dir, env: tokenEnv })
    check(first === second && /^[^\s]+\n$/.test(first), `${name}: a cached token changed: ${first} then ${second}`)
    noTypeScript("monta-auth token")
    step(`${name}: the installed monta-auth token against monta-auth fake-server (${fake.baseUrl}), with a cache too`)
  } finally {
    await fake.stop()
  }
  noTypeScript("monta-auth fake-server")
}
