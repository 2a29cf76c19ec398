import { describe, expect, it } from "@effect/vitest"

describe("core", () => {
  it("loads", () => {
    expect(1).toBe(1)
  })
})
