/**
 * `pnpm bench [ID...]`: runs the SPEC section 10 benchmarks (all, or the ids given), prints a
 * table of ours against the baseline measured in the same run, and writes
 * bench/results/latest.json.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { benches } from "./benches.js"
import { type Bench, machine, type Row, table } from "./lib.js"

const wanted = new Set(process.argv.slice(2).map((id) => id.toUpperCase()))
const selected = benches.filter((bench) => wanted.size === 0 || wanted.has(bench.id))
const results: Array<{ bench: Bench; rows: ReadonlyArray<Row> }> = []

for (const bench of selected) {
  process.stdout.write(`${bench.id} ${bench.title} ... `)
  const started = process.hrtime.bigint()
  const rows = await bench.run()
  results.push({ bench, rows })
  process.stdout.write(`${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s\n`)
}

process.stdout.write(`\n${table(results)}\n`)
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "latest.json")
fs.writeFileSync(
  out,
  JSON.stringify(
    {
      machine: machine(),
      results: results.map(({ bench, rows }) => ({ id: bench.id, title: bench.title, rows }))
    },
    null,
    2
  ) + "\n"
)
process.stdout.write(`\nwritten ${path.relative(process.cwd(), out)}\n`)
