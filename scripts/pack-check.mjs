// `pnpm pack-check`: proves the packages work as a user installs them (issue 14, items 2 and 3).
// After `pnpm build`, it packs every package of packages/ with pnpm (dist with declarations,
// `workspace:` ranges and `publishConfig` applied), then:
// - per tarball (pack-lint.mjs): registry metadata, a bin and exports in dist JavaScript (never
//   TypeScript or src/), README and LICENSE, then publint (--strict) and attw (profile esm-only);
// - reads the root README's install line and checks that it pins the 3.x line of effect with the
//   ranges the packages declare as peers;
// - per package manager, npm and pnpm (pack-project.mjs): a fresh project in a temporary folder,
//   the tarballs installed with exactly the README's peers and with tsx beside them; there, in
//   plain Node: every package and public module imported, a token and pages from MontaFake, the
//   installed `monta-auth --help`, and `monta-auth token` against `monta-auth fake-server`, with
//   every process watched for loading tsx or a TypeScript source.
// Any failure exits non-zero. PACK_CHECK_KEEP=1 keeps the temporary folder.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { inspectTarball } from "./pack-lint.mjs"
import { checkProject } from "./pack-project.mjs"
import { check, run, step } from "./pack-util.mjs"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(root, file), "utf8"))
const work = fs.mkdtempSync(path.join(os.tmpdir(), "monta-auth-pack-"))
const packs = path.join(work, "packs")
fs.mkdirSync(packs)

// The pnpm this workspace pins (packageManager), or the one running `pnpm pack-check`.
const pnpm = process.env["npm_execpath"] !== undefined && /pnpm/.test(process.env["npm_execpath"])
  ? [process.execPath, process.env["npm_execpath"]]
  : ["npx", "-y", `pnpm@${readJson("package.json").packageManager.split("@")[1]}`]

/** The peers of the README's install line (`npm install @monta-auth/core effect@~3.22.4 ...`). */
const documentedPeers = () => {
  const line = fs.readFileSync(path.join(root, "README.md"), "utf8").split("\n")
    .find((text) => text.startsWith("npm install @monta-auth/core "))
  check(line !== undefined, "README.md has no `npm install @monta-auth/core ...` line")
  const peers = line.split(/\s+/).slice(2).filter((arg) => !arg.startsWith("@monta-auth/"))
  const declared = Object.assign(
    {},
    ...fs.readdirSync(path.join(root, "packages")).map((dir) =>
      readJson(path.join("packages", dir, "package.json")).peerDependencies ?? {}
    )
  )
  for (const peer of peers) {
    const at = peer.lastIndexOf("@")
    const [name, range] = [peer.slice(0, at), peer.slice(at + 1)]
    check(at > 0 && declared[name] === range, `README.md installs ${peer}, the packages declare ${declared[name]}`)
  }
  check(peers.some((peer) => /^effect@[~^]?3\.\d+/.test(peer)), `README.md's install line pins no effect 3.x: ${line}`)
  return peers
}

try {
  run(pnpm[0], [...pnpm.slice(1), "-r", "--filter", "./packages/*", "pack", "--pack-destination", packs], { cwd: root })
  const tarballs = fs.readdirSync(packs).filter((file) => file.endsWith(".tgz")).sort()
  check(tarballs.length === fs.readdirSync(path.join(root, "packages")).length, `packed only ${tarballs.join(", ")}`)
  step(`packed ${tarballs.join(", ")}`)

  const packages = tarballs.map((tarball) => {
    const file = path.join(packs, tarball)
    return { tarball: file, ...inspectTarball(file, path.join(work, "unpacked", tarball), root) }
  })
  step(`publint (--strict) and attw (--profile esm-only, every public module) pass on ${packages.length} tarballs`)

  const peers = documentedPeers()
  const tsx = `tsx@${readJson("node_modules/tsx/package.json").version}`
  step(`the README's peers: ${peers.join(" ")}`)

  await checkProject({ name: "npm", command: ["npm"], dir: path.join(work, "npm"), packages, peers, tsx })
  await checkProject({ name: "pnpm", command: pnpm, dir: path.join(work, "pnpm"), packages, peers, tsx })
  step("ok")
} finally {
  if (process.env["PACK_CHECK_KEEP"] === "1") step(`kept ${work}`)
  else fs.rmSync(work, { recursive: true, force: true })
}
