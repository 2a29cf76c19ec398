import * as DateTime from "effect/DateTime"

/** @internal */
export interface ChargePoint {
  readonly id: number
  readonly teamId: number
  readonly operatorId: number
  readonly name: string
  readonly serialNumber: string
  readonly state: string
  readonly maxKw: number
  readonly createdAt: string
  readonly updatedAt: string
}

/** @internal */
export interface WalletTransaction {
  readonly id: number
  readonly teamId: number
  readonly operatorId: number
  readonly amount: number
  readonly currency: string
  readonly state: string
  readonly note: string
  readonly createdAt: string
}

const seedEpoch = 1_704_067_200_000 // 2024-01-01T00:00:00Z

/** 1 to 999 999: the nanoseconds past the millisecond that the fake writes for `seed` (FNV-1a). */
const subMillisNanos = (seed: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) {
    hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193)
  }
  return ((hash >>> 0) % 999_999) + 1
}

/**
 * A date as the real service writes it: UTC with 9 fractional digits, non-zero past the
 * millisecond (`2023-02-16T07:53:02.059724728Z`). The instant the fake means (and checks expiry
 * at) is the whole millisecond `millis`; the digits past it are derived from `seed` (a token, an
 * item), so they are deterministic and never move the date a whole millisecond later. A client
 * that truncates to milliseconds reads `millis` exactly; one that rounds up is 1 ms late.
 *
 * @internal
 */
export const isoAt = (millis: number, seed: string) =>
  `${DateTime.formatIso(DateTime.unsafeMake(millis)).slice(0, -1)}${String(subMillisNanos(seed)).padStart(6, "0")}Z`

const chargePointStates = ["available", "busy", "offline", "available"] as const
const walletStates = ["complete", "complete", "pending", "failed"] as const

/** Team of the i-th seeded item: teams 1 and 2 alternate. */
const seedTeam = (index: number) => index % 2 === 0 ? 1 : 2

/** @internal */
export const seedChargePoint = (index: number): ChargePoint => {
  const id = index + 1
  const created = isoAt(seedEpoch + index * 3_600_000, `charge-point:${id}`)
  return {
    id,
    teamId: seedTeam(index),
    operatorId: 42,
    name: `Charge point ${id}`,
    serialNumber: `MONTA-${String(id).padStart(6, "0")}`,
    state: chargePointStates[index % chargePointStates.length]!,
    maxKw: [11, 22, 50, 150][index % 4]!,
    createdAt: created,
    updatedAt: created
  }
}

/** @internal */
export const seedWalletTransaction = (index: number): WalletTransaction => ({
  id: index + 1,
  teamId: seedTeam(index),
  operatorId: 42,
  amount: ((index * 37) % 5000) / 100 + 1,
  currency: "DKK",
  state: walletStates[index % walletStates.length]!,
  note: `Charge ${index + 1}`,
  createdAt: isoAt(seedEpoch + index * 1_800_000, `wallet-transaction:${index + 1}`)
})
