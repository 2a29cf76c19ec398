/**
 * The test projects of the workspace. Vitest 3.2 deprecates reading this file on its own, so
 * `vitest.config.ts` passes the list as `test.projects` (same content, no deprecation warning).
 */
export default [
  "packages/*/vitest.config.ts",
  "examples/vitest.config.ts"
]
