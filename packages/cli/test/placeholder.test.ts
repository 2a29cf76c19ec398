import { describe, expect, it } from "@effect/vitest"

describe("cli", () => {
  it("loads", () => {
    expect(1).toBe(1)
  })
})
