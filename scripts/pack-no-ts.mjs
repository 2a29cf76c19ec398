// Loaded with `node --import` (through NODE_OPTIONS) by the pack check into every process it runs
// from an installed project: registers module hooks that record, in the file named by
// PACK_CHECK_TS_LOG, every import of tsx and every TypeScript source or `src/` file of a
// @monta-auth package that a process resolves or loads. A record is written before the hook
// throws, so a program that catches the failed import (and falls back to dist) is still caught.
// module.register needs Node 20.6 or later.
import { register } from "node:module"

const log = process.env["PACK_CHECK_TS_LOG"]
if (log === undefined) throw new Error("pack-no-ts.mjs: PACK_CHECK_TS_LOG is not set")
register("./pack-no-ts-hooks.mjs", { parentURL: import.meta.url, data: { log } })
