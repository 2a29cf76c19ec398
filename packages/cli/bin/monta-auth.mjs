#!/usr/bin/env node
// The `monta-auth` executable. A published build runs ../dist/bin.js; in this workspace there is no
// build step, so the TypeScript source runs through tsx's loader (registered for this process).
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const built = new URL("../dist/bin.js", import.meta.url)
if (existsSync(fileURLToPath(built))) {
  await import(built.href)
} else {
  const { register } = await import("tsx/esm/api")
  register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) })
  await import(new URL("../src/bin.ts", import.meta.url).href)
}
