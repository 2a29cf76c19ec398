// The module hooks of pack-no-ts.mjs (they run on Node's loader thread).
import * as fs from "node:fs"

let log = ""

export const initialize = (data) => {
  log = data.log
}

const forbidden = (url) => {
  if (!url.startsWith("file:")) return undefined
  const pathname = new URL(url).pathname
  if (/\.[cm]?tsx?$/.test(pathname)) return "a TypeScript source"
  if (/\/node_modules\/@monta-auth\/[^/]+\/src\//.test(pathname)) return "a src/ file of a @monta-auth package"
  return undefined
}

const record = (line) => {
  fs.appendFileSync(log, `${line}\n`)
  throw new Error(`pack-check: ${line}`)
}

export const resolve = async (specifier, context, nextResolve) => {
  if (/^tsx(\/|$)/.test(specifier)) record(`${context.parentURL ?? "(entry)"} imports ${specifier}`)
  const resolved = await nextResolve(specifier, context)
  const what = forbidden(resolved.url)
  if (what !== undefined) record(`${context.parentURL ?? "(entry)"} resolves ${what}: ${resolved.url}`)
  return resolved
}

export const load = async (url, context, nextLoad) => {
  const what = forbidden(url)
  if (what !== undefined) record(`loads ${what}: ${url}`)
  return nextLoad(url, context)
}
