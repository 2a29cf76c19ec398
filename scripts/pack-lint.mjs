// The pack check's look at one tarball before anything installs it: the packed package.json
// (registry metadata, a bin and exports that point at dist JavaScript, never at TypeScript sources),
// the files (dist with declarations, README, LICENSE; no JavaScript that imports tsx), then publint
// and @arethetypeswrong/cli (attw) on the tarball, failing on what they report as errors.
import * as fs from "node:fs"
import * as path from "node:path"
import { check, run } from "./pack-util.mjs"

/** The fields a registry user expects of every package (issue 14, item 3). */
const metadata = [
  "description",
  "keywords",
  "license",
  "repository",
  "homepage",
  "bugs",
  "engines",
  "files",
  "sideEffects"
]

const targets = (value) =>
  typeof value === "string"
    ? [value]
    : value === null || value === undefined
    ? []
    : Object.values(value).flatMap(targets)

const filesUnder = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]
  )

/**
 * Unpacks `tarball` into `into` and checks it; answers the package's name and its public modules
 * (the `dist/*.js` next to `index.js`, each importable as `name/Module` through `./*`).
 */
export const inspectTarball = (tarball, into, root) => {
  fs.mkdirSync(into, { recursive: true })
  run("tar", ["-xzf", tarball, "-C", into])
  const dir = path.join(into, "package")
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
  const name = manifest.name
  const where = `${path.basename(tarball)} (${name})`

  for (const field of metadata) check(manifest[field] !== undefined, `${where} has no "${field}" in package.json`)
  check(typeof manifest.engines.node === "string", `${where} names no engines.node`)
  check(typeof manifest.repository === "object" && typeof manifest.repository.url === "string", `${where}: repository`)
  check(typeof manifest.bugs === "object" && typeof manifest.bugs.url === "string", `${where}: bugs`)
  for (const range of Object.values(manifest.dependencies ?? {})) {
    check(!range.startsWith("workspace:"), `${where} still has a workspace: range (pack it with pnpm)`)
  }
  for (const file of ["dist/index.js", "dist/index.d.ts", "README.md", "LICENSE"]) {
    check(fs.existsSync(path.join(dir, file)), `${where} has no ${file}: run pnpm build first`)
  }
  check(!fs.existsSync(path.join(dir, "dist", ".tsbuildinfo")), `${where} ships dist/.tsbuildinfo`)

  // The bin and the exports point at dist JavaScript, never at TypeScript or src/ (issue 14: the
  // bin used to run src/bin.ts through tsx whenever tsx was importable).
  for (const target of [...targets(manifest.bin), ...targets(manifest.exports)]) {
    check(/^\.\/dist\//.test(target), `${where} points at ${target}, outside dist/`)
    check(/\.(js|d\.ts)$/.test(target), `${where} points at ${target}, not JavaScript or a declaration`)
  }
  for (const target of targets(manifest.bin)) {
    const source = fs.readFileSync(path.join(dir, target), "utf8")
    check(source.startsWith("#!/usr/bin/env node\n"), `${where}: ${target} has no node shebang`)
  }
  for (const file of filesUnder(path.join(dir, "dist")).filter((file) => file.endsWith(".js"))) {
    const source = fs.readFileSync(file, "utf8")
    check(
      !/(from\s*|import\s*\(\s*)["'](tsx(\/[^"']*)?|[^"']*\.[cm]?ts)["']/.test(source),
      `${where}: ${path.relative(dir, file)} imports tsx or a TypeScript file`
    )
  }

  // publint: an error or a warning (--strict) exits non-zero, so run() throws with its report.
  run("npx", ["--no-install", "publint", "run", tarball, "--strict"], { cwd: root })

  // attw, profile esm-only: the packages are ESM only ("type": "module", no require condition), so
  // a require() from CommonJS (node10, node16-cjs) is not supported by design; node16 from ESM and
  // bundler resolution must find JavaScript and matching types for the root and for every public
  // module behind the `./*` wildcard (attw does not expand wildcards itself).
  const modules = fs.readdirSync(path.join(dir, "dist"))
    .filter((file) => file.endsWith(".js") && file !== "index.js")
    .map((file) => file.slice(0, -3))
    .sort()
  run("npx", [
    "--no-install",
    "attw",
    tarball,
    "--profile",
    "esm-only",
    "--format",
    "ascii",
    "--no-color",
    "--include-entrypoints",
    ...modules.map((module) => `./${module}`)
  ], { cwd: root })
  return { name, version: manifest.version, modules }
}
