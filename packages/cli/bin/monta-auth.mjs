#!/usr/bin/env node
// `monta-auth` in this workspace only (`pnpm monta-auth`, the CLI's tests): runs the TypeScript
// source ../src/bin.ts through tsx, so a stale ../dist is never what runs. This file is not in the
// package: the published `bin` (publishConfig) is dist/bin.js, which never loads TypeScript.
import { fileURLToPath } from "node:url"
import { register } from "tsx/esm/api"

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) })
await import(new URL("../src/bin.ts", import.meta.url).href)
