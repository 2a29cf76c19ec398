import { describe, expect, it } from "@effect/vitest"

describe("testing", () => {
  it("loads", () => {
    expect(1).toBe(1)
  })
})
