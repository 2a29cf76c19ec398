import type { Bench } from "./lib.js"

/** Every benchmark, in SPEC order. Filled in by the issues that own each target. */
export const benches: ReadonlyArray<Bench> = []
