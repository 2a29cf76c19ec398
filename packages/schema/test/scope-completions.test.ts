/**
 * Issue 2 "`Scope`: a template-literal TypeScript type so `"charge-points:write"` autocompletes and
 * `"charge-points:admin"` does not compile". An editor asks the TypeScript language service, so this
 * test asks it too: a small in-memory file, compiled with the package's tsconfig, imports `Scope`
 * from `src/` and the service is asked what it offers inside `"charge-points:`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { knownEntities, permissions } from "../src/index.js"

const testDir = path.dirname(fileURLToPath(import.meta.url))
const virtualFile = path.join(testDir, "__scope-completions__.ts")

const source = `import type { Scope } from "../src/Scope.js"

export const typed: Scope = "charge-points:"
export const digits: Scope = "ocpp2-logs:read"
export const known: Scope = "charge-points:delete"
export const upper: Scope = "Charge-Points:read"
export const admin: Scope = "charge-points:admin"
`

/** A language service over the package's compiler options and one in-memory file. */
const makeService = (): ts.LanguageService => {
  const configPath = path.join(testDir, "..", "tsconfig.json")
  const config = ts.readConfigFile(configPath, ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(configPath))
  // The file needs no Node.js types; leaving them out keeps the program small and the test fast.
  const options: ts.CompilerOptions = { ...parsed.options, types: [] }
  const read = (fileName: string): string | undefined => fileName === virtualFile ? source : ts.sys.readFile(fileName)
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [virtualFile],
    getScriptVersion: () => "1",
    getScriptSnapshot: (fileName) => {
      const text = read(fileName)
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text)
    },
    getCurrentDirectory: () => testDir,
    getDefaultLibFileName: ts.getDefaultLibFilePath,
    fileExists: (fileName) => fileName === virtualFile || ts.sys.fileExists(fileName),
    readFile: read,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories
  }
  return ts.createLanguageService(host, ts.createDocumentRegistry())
}

const service = makeService()

/** The offset just after the first occurrence of `text` in the in-memory file. */
const after = (text: string): number => {
  const at = source.indexOf(text)
  assert.isAtLeast(at, 0, `${text} is in the file`)
  return at + text.length
}

/** The semantic errors of the in-memory file, by the text of the line they are on. */
const errorsByLine = (): Map<string, string> => {
  const lines = new Map<string, string>()
  for (const diagnostic of service.getSemanticDiagnostics(virtualFile)) {
    const start = diagnostic.start ?? 0
    const line = source.slice(source.lastIndexOf("\n", start) + 1, source.indexOf("\n", start))
    lines.set(line, ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
  }
  return lines
}

describe("Scope completions (issue 2 template-literal type)", () => {
  it("issue 2: \"charge-points: offers charge-points:read, charge-points:write and charge-points:delete", () => {
    const typed = "\"charge-points:"
    const completions = service.getCompletionsAtPosition(virtualFile, after(typed), {})
    if (completions === undefined) return assert.fail("no completions inside \"charge-points:")
    const names = completions.entries.map((entry) => entry.name)
    for (const name of ["charge-points:read", "charge-points:write", "charge-points:delete"]) {
      assert.include(names, name)
    }
    // The editor keeps the entries that start with what is typed: exactly the three permissions.
    assert.deepStrictEqual(
      names.filter((name) => name.startsWith("charge-points:")).sort(),
      ["charge-points:delete", "charge-points:read", "charge-points:write"]
    )
    const entry = completions.entries.find((e) => e.name === "charge-points:write")
    assert.strictEqual(entry?.kind, ts.ScriptElementKind.string)
    // Choosing one replaces the text typed inside the quotes.
    assert.deepStrictEqual(entry?.replacementSpan, {
      start: after(typed) - "charge-points:".length,
      length: "charge-points:".length
    })
    // Every known entity is offered with every permission, and nothing else.
    assert.strictEqual(names.length, knownEntities.length * permissions.length)
  })

  it("issue 2: the language service accepts ocpp2-logs:read and rejects Charge-Points:read and charge-points:admin", () => {
    const errors = errorsByLine()
    assert.include(
      errors.get("export const upper: Scope = \"Charge-Points:read\""),
      "is not assignable to type 'Scope'"
    )
    assert.include(
      errors.get("export const admin: Scope = \"charge-points:admin\""),
      "is not assignable to type 'Scope'"
    )
    assert.include(errors.get("export const typed: Scope = \"charge-points:\""), "is not assignable to type 'Scope'")
    assert.deepStrictEqual(errors.size, 3, [...errors.keys()].join("\n"))
  })
})
