/** The fake's consumer for the benchmarks. */
import type { ConsumerInput } from "@monta-auth/testing"

/** A consumer whose budget never runs out during a benchmark. */
export const benchConsumer: ConsumerInput = {
  clientId: "bench-client-id",
  clientSecret: "bench-client-secret",
  rateLimit: 1_000_000_000,
  rateLimitIntervalInSeconds: 600
}
