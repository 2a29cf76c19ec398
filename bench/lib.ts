/**
 * The benchmark harness: every benchmark measures ours and a baseline in the same run and
 * reports their ratio against a SPEC section 10 target. No benchmark is a test: targets are
 * printed, never asserted.
 */
import * as os from "node:os"

/** One measured line of a benchmark. */
export interface Row {
  readonly metric: string
  readonly ours: number
  readonly baseline?: number | undefined
  readonly unit: string
  /** ours / baseline (or the metric itself when there is no baseline). */
  readonly ratio?: number | undefined
  readonly target: string
  /** Whether the target holds; `"info"` for a figure reported beside the targets, with none of its own. */
  readonly met: boolean | "info"
  readonly note?: string | undefined
}

/** A benchmark of SPEC section 10. */
export interface Bench {
  readonly id: string
  readonly title: string
  readonly run: () => Promise<ReadonlyArray<Row>>
}

/** Operations per second of `body`, run `iterations` times per sample; the best of `samples`. */
export const opsPerSecond = async (
  body: (iterations: number) => Promise<void>,
  options: { readonly iterations: number; readonly samples: number }
): Promise<number> => {
  let best = 0
  await body(Math.min(options.iterations, 10_000)) // warm up the JIT
  for (let i = 0; i < options.samples; i++) {
    const start = process.hrtime.bigint()
    await body(options.iterations)
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    best = Math.max(best, options.iterations / seconds)
  }
  return best
}

const fmt = (n: number | undefined): string =>
  n === undefined
    ? "-"
    : Math.abs(n) >= 1000
    ? Math.round(n).toLocaleString("en-US")
    : Number.isInteger(n)
    ? String(n)
    : n.toFixed(3)

/** Renders rows as a fixed-width table. */
export const table = (results: ReadonlyArray<{ readonly bench: Bench; readonly rows: ReadonlyArray<Row> }>): string => {
  const header = ["id", "metric", "ours", "baseline", "unit", "ratio", "target", "met"]
  const lines = results.flatMap(({ bench, rows }) =>
    rows.map((row) => [
      bench.id,
      row.metric,
      fmt(row.ours),
      fmt(row.baseline),
      row.unit,
      row.ratio === undefined ? "-" : row.ratio.toFixed(3),
      row.target,
      row.met === "info" ? "-" : row.met ? "yes" : "NO"
    ])
  )
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const render = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
  return [render(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(render)].join("\n")
}

/** Where and on what the numbers were taken. */
export const machine = () => ({
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(os.totalmem() / 2 ** 30)
})
