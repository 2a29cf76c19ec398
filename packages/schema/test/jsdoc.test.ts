/**
 * Issue 2 "Done when: `@monta-auth/schema` exports the names in SPEC section 2 with JSDoc on each",
 * and the convention "JSDoc on every export: one or two sentences, `@since 0.1.0`, `@category`".
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import * as Schema from "../src/index.js"

const srcDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src")

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const nameOf = (node: ts.Node): string =>
  ts.isVariableStatement(node)
    ? node.declarationList.declarations.map((d) => d.name.getText()).join(", ")
    : (node as ts.DeclarationStatement).name?.getText() ?? "<anonymous>"

/** Every exported declaration of every module under `src/`, with the problems of its JSDoc. */
const review = (): { readonly checked: ReadonlyArray<string>; readonly problems: ReadonlyArray<string> } => {
  const checked: Array<string> = []
  const found: Array<string> = []
  for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith(".ts"))) {
    const text = fs.readFileSync(path.join(srcDir, file), "utf8")
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    for (const statement of source.statements) {
      if (!isExported(statement)) continue
      const docs = ts.getJSDocCommentsAndTags(statement).filter(ts.isJSDoc)
      const doc = docs[docs.length - 1]
      const where = `${file}: ${nameOf(statement)}`
      checked.push(where)
      if (doc === undefined) {
        found.push(`${where} has no JSDoc`)
        continue
      }
      const comment = ts.getTextOfJSDocComment(doc.comment) ?? ""
      if (comment.trim().length === 0) found.push(`${where} has no description`)
      const tags = new Map((doc.tags ?? []).map((tag) => [tag.tagName.text, ts.getTextOfJSDocComment(tag.comment)]))
      if (tags.get("since") !== "0.1.0") found.push(`${where} lacks @since 0.1.0`)
      const category = tags.get("category")
      if (category === undefined || category !== category.toLowerCase()) {
        found.push(`${where} lacks a lower-case @category`)
      }
    }
  }
  return { checked, problems: found }
}

describe("JSDoc (issue 2 done-when)", () => {
  it("issue 2: every export of src has a description, @since 0.1.0 and a lower-case @category", () => {
    const { checked, problems } = review()
    assert.include(checked, "Scope.ts: grants", "the review sees the exports")
    assert.include(checked, "Token.ts: TokenPair")
    assert.deepStrictEqual(problems, [])
  })

  it("SPEC 2: the stable names are exported", () => {
    for (const name of ["TokenRequest", "RefreshRequest", "TokenPair", "Me", "Scope", "grants", "MontaErrorBody"]) {
      assert.property(Schema, name)
    }
    assert.isFunction(Schema.grants)
  })
})
