/**
 * `pnpm docs:api` (not `pnpm docs`, which is a pnpm command of its own): the API reference of every package, from the JSDoc of `src/index.ts` and what it
 * exports, into `docs/api` (HTML; open `docs/api/index.html`). Options are in `typedoc.json`.
 * Exits non-zero when TypeDoc reports an error (or any warning with `--strict`).
 */
import path from "node:path"
import { Application, LogLevel } from "typedoc"

const strict = process.argv.includes("--strict")

const app = await Application.bootstrapWithPlugins({ logLevel: LogLevel.Info })
const project = await app.convert()
if (project === undefined) {
  console.error("docs: TypeDoc could not convert the project")
  process.exit(1)
}
app.validate(project)
const out = app.options.getValue("out")
await app.generateDocs(project, out)
const { errorCount, warningCount } = app.logger
console.log(`docs: ${path.relative(process.cwd(), out)}/index.html (${errorCount} errors, ${warningCount} warnings)`)
if (errorCount > 0 || (strict && warningCount > 0)) process.exit(1)
