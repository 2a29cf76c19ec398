#!/usr/bin/env node
/**
 * The entry point of the `monta-auth` executable (the installed package's `bin`, built to
 * `dist/bin.js`): runs `MontaAuthCli` on `process.argv` and exits with its exit code.
 *
 * `monta-auth token` with a fresh token in its cache is answered from the cache file before
 * `@effect/cli`, `@effect/platform` or `MontaAuth` are loaded (SPEC P8: a script's
 * `$(monta-auth token)` costs little more than a Node start); every other call loads the full
 * command.
 *
 * @since 0.1.0
 */
import * as Micro from "effect/Micro"
import * as Option from "effect/Option"
import { cachedToken } from "./internal/cachedToken.js"

// The one read of the wall clock outside Effect's `Clock`: `Micro` has none (see cachedToken.ts).
const cached = await Micro.runPromise(cachedToken(process.argv.slice(2), process.env, Date.now()))
if (Option.isSome(cached)) {
  process.stdout.write(`${cached.value}\n`)
} else {
  const { main } = await import("./internal/main.js")
  main(process.argv)
}
