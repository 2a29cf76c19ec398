#!/usr/bin/env node
// The `monta-auth` executable. In this workspace (the TypeScript source and tsx are there) it runs
// ../src/bin.ts through tsx's loader, so a stale ../dist from `pnpm build` is never what runs; an
// installed package has no tsx and runs the build, ../dist/bin.js.
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const source = new URL("../src/bin.ts", import.meta.url)
const tsx = existsSync(fileURLToPath(source)) ? await import("tsx/esm/api").catch(() => undefined) : undefined
if (tsx !== undefined) {
  tsx.register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) })
  await import(source.href)
} else {
  await import(new URL("../dist/bin.js", import.meta.url).href)
}
