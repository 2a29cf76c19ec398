import type { ViteUserConfig } from "vitest/config"

/** Settings every test project shares. */
export const shared: ViteUserConfig = {
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    sequence: { concurrent: false },
    fakeTimers: { toFake: [] }
  }
}
