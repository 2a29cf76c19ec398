import { describe, expect, it } from "@effect/vitest"

describe("redis", () => {
  it("loads", () => {
    expect(1).toBe(1)
  })
})
