import { expect, it } from "@effect/vitest"

it("examples load", () => {
  expect(1).toBe(1)
})
