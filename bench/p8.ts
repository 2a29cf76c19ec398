/**
 * P8: `monta-auth token` with a cached valid token, from the packed install, against a bare
 * `node -e 0` (whole processes, wall time, median).
 *
 * In a temporary folder: `@monta-auth/cli` and its workspace dependencies packed with pnpm (as
 * the pack check packs them: dist, `publishConfig` applied), installed with npm into a fresh
 * project beside the peers the root README's install line pins (and the CLI's own peers at the
 * ranges it declares); the installed `monta-auth fake-server` started, one
 * `monta-auth token --token-cache FILE` run against it to fill the cache, the server stopped.
 * Then `node -e 0`, the installed `monta-auth token --token-cache FILE` and the installed
 * `monta-auth --help` are run as whole processes, interleaved round by round in a rotating order
 * so that the noise of a shared machine falls on each alike; the medians count.
 *
 * By default the bench runs `pnpm build` first, so the tarballs hold the current sources;
 * `P8_BUILD=0` packs the dist that is there (it must exist). `P8_RUNS` sets the rounds (25),
 * `P8_KEEP=1` keeps the temporary folder.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Bench, Row } from "./lib.js"
import { median } from "./support.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const runs = Number(process.env.P8_RUNS ?? 25)
const warmups = 3
const target = 4

const readJson = (file: string): Record<string, any> => JSON.parse(fs.readFileSync(file, "utf8"))

const pnpm = ["npx", "-y", `pnpm@${String(readJson(path.join(root, "package.json")).packageManager).split("@")[1]}`]

/** Runs `command` to the end; answers its stdout, or throws with its output when it fails. */
const run = (command: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) => {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `P8: ${[command, ...args].join(" ")} failed (${result.error?.message ?? result.status ?? result.signal}):\n` +
        `${result.stdout ?? ""}\n${result.stderr ?? ""}`.trim()
    )
  }
  return result.stdout
}

const check: (condition: boolean, message: string) => asserts condition = (condition, message) => {
  if (!condition) throw new Error(`P8: ${message}`)
}

/** The peers of the README's install line (`npm install @monta-auth/core effect@~3.22.4 ...`). */
const readmePeers = (): ReadonlyArray<string> => {
  const line = fs.readFileSync(path.join(root, "README.md"), "utf8").split("\n")
    .find((text) => text.startsWith("npm install @monta-auth/core "))
  check(line !== undefined, "README.md has no `npm install @monta-auth/core ...` line")
  return line.split(/\s+/).slice(2).filter((arg) => arg !== "" && !arg.startsWith("@monta-auth/"))
}

const nameOf = (spec: string): string => spec.slice(0, spec.lastIndexOf("@"))

/** The installed `monta-auth fake-server --port 0`: its URL and credentials, and a stop. */
const startFakeServer = (bin: string, cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ baseUrl: string; clientId: string; clientSecret: string; stop: () => Promise<void> }>(
    (resolve, reject) => {
      const child: ChildProcess = spawn(bin, ["fake-server", "--port", "0"], {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true
      })
      let stdout = ""
      let stderr = ""
      const stop = () =>
        new Promise<void>((stopped) => {
          if (child.exitCode !== null || child.signalCode !== null) return stopped()
          child.once("exit", () => stopped())
          process.kill(-child.pid!, "SIGTERM")
        })
      const timer = setTimeout(() => {
        void stop().then(() =>
          reject(new Error(`P8: monta-auth fake-server printed no URL in 30 s:\n${stdout}\n${stderr}`))
        )
      }, 30_000)
      child.stderr!.on("data", (chunk) => stderr += chunk)
      child.stdout!.on("data", (chunk) => {
        stdout += chunk
        const baseUrl = /export MONTA_BASE_URL=(\S+)/.exec(stdout)?.[1]
        const clientId = /export MONTA_CLIENT_ID=(\S+)/.exec(stdout)?.[1]
        const clientSecret = /export MONTA_CLIENT_SECRET=(\S+)/.exec(stdout)?.[1]
        if (baseUrl !== undefined && clientId !== undefined && clientSecret !== undefined) {
          clearTimeout(timer)
          resolve({ baseUrl, clientId, clientSecret, stop })
        }
      })
      child.once("error", reject)
      child.once("exit", (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`P8: monta-auth fake-server exited (${code ?? signal}):\n${stdout}\n${stderr}`))
      })
    }
  )

/** One whole process, timed from spawn to exit; throws unless it exits 0 and `accept`s its stdout. */
const timed = (
  what: string,
  command: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; env: NodeJS.ProcessEnv },
  accept: (stdout: string) => boolean
): number => {
  const start = process.hrtime.bigint()
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env, encoding: "utf8" })
  const millis = Number(process.hrtime.bigint() - start) / 1e6
  if (result.error !== undefined || result.status !== 0 || !accept(result.stdout)) {
    throw new Error(
      `P8: ${what} failed (exit ${result.error?.message ?? result.status ?? result.signal}), stdout ` +
        `${JSON.stringify(result.stdout)}, stderr ${JSON.stringify(result.stderr)}`
    )
  }
  return millis
}

export const p8: Bench = {
  id: "P8",
  title: "monta-auth token (cached, packed install) vs node -e 0, whole processes",
  run: async () => {
    const build = process.env.P8_BUILD !== "0"
    if (build) run(pnpm[0]!, [...pnpm.slice(1), "build"], { cwd: root })

    const work = fs.mkdtempSync(path.join(os.tmpdir(), "monta-auth-p8-"))
    let stopServer: (() => Promise<void>) | undefined
    try {
      // @monta-auth/cli and the workspace packages it depends on ("cli..." selects them).
      const packs = path.join(work, "packs")
      fs.mkdirSync(packs)
      const dirs = fs.readdirSync(path.join(root, "packages"))
      const manifests = new Map(
        dirs.map((dir) => [String(readJson(path.join(root, "packages", dir, "package.json")).name), dir])
      )
      const wanted = new Set<string>()
      const visit = (name: string) => {
        if (wanted.has(name) || !manifests.has(name)) return
        wanted.add(name)
        const manifest = readJson(path.join(root, "packages", manifests.get(name)!, "package.json"))
        for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency)
      }
      visit("@monta-auth/cli")
      for (const name of wanted) {
        const dist = path.join(root, "packages", manifests.get(name)!, "dist", "index.js")
        check(fs.existsSync(dist), `${dist} is missing: run \`${pnpm.join(" ")} build\` (or drop P8_BUILD=0)`)
      }
      run(pnpm[0]!, [...pnpm.slice(1), "-r", "--filter", "@monta-auth/cli...", "pack", "--pack-destination", packs], {
        cwd: root
      })
      const tarballs = fs.readdirSync(packs).filter((file) => file.endsWith(".tgz")).map((file) =>
        path.join(packs, file)
      )
      check(tarballs.length === wanted.size, `packed ${tarballs.length} tarballs for ${[...wanted].join(", ")}`)

      // The README's peers, plus the peers of the packed packages it does not name, at their ranges.
      const peers = [...readmePeers()]
      for (const name of wanted) {
        const manifest = readJson(path.join(root, "packages", manifests.get(name)!, "package.json"))
        for (const [peer, range] of Object.entries<string>(manifest.peerDependencies ?? {})) {
          if (!peers.some((spec) => nameOf(spec) === peer)) peers.push(`${peer}@${range}`)
        }
      }
      const project = path.join(work, "project")
      fs.mkdirSync(project)
      fs.writeFileSync(
        path.join(project, "package.json"),
        JSON.stringify({ name: "monta-auth-p8", version: "0.0.0", private: true, type: "module" }, null, 2) + "\n"
      )
      run("npm", ["install", "--no-audit", "--no-fund", ...tarballs, ...peers], { cwd: project })
      const bin = path.join(project, "node_modules", ".bin", "monta-auth")
      const installed = fs.realpathSync(bin)
      check(installed.endsWith(path.join("@monta-auth", "cli", "dist", "bin.js")), `the installed bin is ${installed}`)

      // Children get no NODE_OPTIONS (this process runs under tsx) and no MONTA_* but ours.
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" }
      delete env.NODE_OPTIONS
      for (const variable of Object.keys(env).filter((key) => key.startsWith("MONTA_"))) delete env[variable]

      // Fill the cache from the installed fake server, then stop it: a run that is not answered
      // from the cache can only fail from here on.
      const fake = await startFakeServer(bin, project, env)
      stopServer = fake.stop
      const tokenEnv: NodeJS.ProcessEnv = {
        ...env,
        MONTA_BASE_URL: fake.baseUrl,
        MONTA_CLIENT_ID: fake.clientId,
        MONTA_CLIENT_SECRET: fake.clientSecret
      }
      const cache = path.join(work, "cache", "tokens.json")
      const tokenArgs = ["token", "--token-cache", cache]
      const filled = run(bin, tokenArgs, { cwd: project, env: tokenEnv })
      check(/^\S+\n$/.test(filled), `monta-auth token printed ${JSON.stringify(filled)}`)
      check(fs.existsSync(cache), `monta-auth token --token-cache wrote no ${cache}`)
      await fake.stop()
      stopServer = undefined
      const token = filled.trim()

      const options = { cwd: project, env: tokenEnv }
      const kinds = [
        { name: "node -e 0", command: "node", args: ["-e", "0"], accept: (out: string) => out === "" },
        { name: "monta-auth token", command: bin, args: tokenArgs, accept: (out: string) => out === `${token}\n` },
        {
          name: "monta-auth --help",
          command: bin,
          args: ["--help"],
          accept: (out: string) => /monta-auth/.test(out) && /token/.test(out)
        }
      ] as const
      const times: Array<Array<number>> = kinds.map(() => [])
      for (let i = 0; i < warmups; i++) {
        for (const kind of kinds) timed(kind.name, kind.command, kind.args, options, kind.accept)
      }
      for (let round = 0; round < runs; round++) {
        for (let k = 0; k < kinds.length; k++) {
          const index = (round + k) % kinds.length
          const kind = kinds[index]!
          times[index]!.push(timed(kind.name, kind.command, kind.args, options, kind.accept))
        }
      }
      const [bare, ours, help] = times.map(median) as [number, number, number]
      const range = (values: ReadonlyArray<number>) =>
        `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)} ms`
      const common = `${runs} rounds after ${warmups} warm-up rounds, each round one process of each kind in a ` +
        `rotating order; medians; node ${process.version} on PATH for both (the bin's #!/usr/bin/env node); ` +
        `tarballs of ${[...wanted].join(", ")} ${
          build ? "built by pnpm build in this run" : "from the existing dist"
        }, ` +
        `installed with npm beside ${peers.join(" ")}`
      const rows: ReadonlyArray<Row> = [
        {
          metric: "monta-auth token (cached) vs node -e 0",
          ours,
          baseline: bare,
          unit: "ms",
          ratio: ours / bare,
          target: `<= ${target}`,
          met: ours / bare <= target,
          note: `${common}; token runs ${range(times[1]!)}, node -e 0 ${range(times[0]!)}; the cache was filled by ` +
            "one token call against the installed monta-auth fake-server, which was stopped before timing (every " +
            "timed run printed the cached token and exited 0)"
        },
        {
          metric: "monta-auth --help vs node -e 0",
          ours: help,
          baseline: bare,
          unit: "ms",
          ratio: help / bare,
          target: "reported (issue 14)",
          met: "info",
          note: `the full command (@effect/cli and MontaAuth loaded); runs ${range(times[2]!)}`
        }
      ]
      return rows
    } finally {
      await stopServer?.()
      if (process.env.P8_KEEP === "1") process.stdout.write(`(P8 kept ${work}) `)
      else fs.rmSync(work, { recursive: true, force: true })
    }
  }
}
