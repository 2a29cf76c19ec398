import type * as Console from "effect/Console"

/**
 * Text output of the command: aligned tables and colors only when stdout is a terminal (and
 * `NO_COLOR` is not set).
 */

/** @internal */
export const useColor = (stream: NodeJS.WriteStream): boolean =>
  stream.isTTY === true && process.env["NO_COLOR"] === undefined && process.env["TERM"] !== "dumb"

const paint = (open: number, close: number) => (text: string, stream: NodeJS.WriteStream = process.stdout) =>
  useColor(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text

/** @internal */
export const bold = paint(1, 22)
/** @internal */
export const dim = paint(2, 22)
/** @internal */
export const green = paint(32, 39)
/** @internal */
export const red = paint(31, 39)
/** @internal */
export const cyan = paint(36, 39)

/**
 * Rows of `label  value` with labels padded to one width; a value with several lines continues
 * under the first one.
 *
 * @internal
 */
export const table = (rows: ReadonlyArray<readonly [label: string, value: string]>): string => {
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.flatMap(([label, value]) =>
    value.split("\n").map((line, i) => `  ${i === 0 ? dim(label.padEnd(width)) : " ".repeat(width)}   ${line}`)
  ).join("\n")
}

/**
 * Columns padded to the widest cell; the first row is a dimmed header.
 *
 * @internal
 */
export const columns = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)))
  return rows.map((row, i) => {
    const line = row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]!)).join(
      "   "
    )
    return `  ${i === 0 ? dim(line) : line}`
  }).join("\n")
}

/** "600 s" / "1 min" / "1 h": a short human duration from seconds. @internal */
export const seconds = (value: number): string =>
  value % 3600 === 0 ? `${value / 3600} h` : value % 60 === 0 && value >= 60 ? `${value / 60} min` : `${value} s`

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g

/**
 * `@effect/cli` colours its help and usage errors whatever the output is: this console drops the
 * colours on a stream that is not a colour terminal (a pipe, a file, `NO_COLOR`).
 *
 * @internal
 */
export const plainWhenPiped = (console: Console.Console): Console.Console => {
  const strip = (stream: NodeJS.WriteStream, args: ReadonlyArray<unknown>) =>
    useColor(stream) ? args : args.map((arg) => typeof arg === "string" ? arg.replace(ansi, "") : arg)
  return {
    ...console,
    log: (...args) => console.log(...strip(process.stdout, args)),
    error: (...args) => console.error(...strip(process.stderr, args))
  }
}
