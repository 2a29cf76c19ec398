// Prints the plain closing line "tests: N passed, N failed[, N skipped]" from vitest's JSON report,
// so any reader of the log (or CI) sees the count without parsing vitest's own summary.
import * as fs from "node:fs"

const file = process.argv[2] ?? ".tmp/vitest.json"
const report = JSON.parse(fs.readFileSync(file, "utf8"))
const skipped = report.numPendingTests + report.numTodoTests
process.stdout.write(
  `\ntests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${
    skipped > 0 ? `, ${skipped} skipped` : ""
  }\n`
)
process.exit(report.numFailedTests > 0 || report.numTotalTests === 0 ? 1 : 0)
