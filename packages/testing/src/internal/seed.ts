import * as DateTime from "effect/DateTime"
import type { ChargePoint, ChargePointState, Currency, OcppStatus, Operator, WalletTransaction } from "./model.js"

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

/** The operator of every seeded item (operator 42, the demo consumer's). @internal */
export const demoOperator: Operator = {
  id: 42,
  name: "Monta Demo Operator",
  identifier: "monta-demo",
  partnerId: null,
  vatNumber: "DK12345678"
}

const seededStates: ReadonlyArray<ChargePointState> = ["available", "busy-charging", "disconnected", "available"]

const ocppStatusOf = (state: ChargePointState): OcppStatus =>
  state === "available"
    ? "available"
    : state.startsWith("busy")
    ? "charging"
    : state === "disconnected"
    ? "offline"
    : state === "error"
    ? "faulted"
    : "unavailable"

const streets = ["Vesterbrogade", "Nørrebrogade", "Amagerbrogade", "Østerbrogade"] as const

/** Team of the i-th seeded item: teams 1 and 2 alternate. */
const seedTeam = (index: number) => index % 2 === 0 ? 1 : 2

/**
 * A charge point with every field of the provider's schema, from what the fake lets a caller
 * choose; the rest is derived from the id (no randomness).
 *
 * @internal
 */
export const makeChargePoint = (fields: {
  readonly id: number
  readonly teamId: number
  readonly operator: Operator
  readonly name: string
  readonly serialNumber: string
  readonly state: ChargePointState
  readonly maxKw: number
  readonly createdAt: string
  readonly updatedAt: string
}): ChargePoint => {
  const { id, maxKw, state } = fields
  const dc = maxKw >= 50
  const street = streets[id % streets.length]!
  const number = 1 + (id % 97)
  const zip = String(1000 + (id * 37) % 1900)
  const busy = state.startsWith("busy")
  const isPublic = id % 3 === 0
  const evse = String(id).padStart(6, "0")
  return {
    id,
    teamId: fields.teamId,
    partnerExternalId: null,
    partnerCustomPayload: null,
    siteId: 100 + fields.teamId,
    operator: fields.operator,
    createdAt: fields.createdAt,
    updatedAt: fields.updatedAt,
    deletedAt: null,
    activeAt: fields.createdAt,
    serialNumber: fields.serialNumber,
    name: fields.name,
    visibility: isPublic ? "public" : "private",
    maxKw,
    type: dc ? "dc" : "ac",
    note: null,
    operatorNote: null,
    state,
    location: {
      coordinates: { latitude: 55.6761 + (id % 100) / 1000, longitude: 12.5683 + (id % 73) / 1000 },
      addressLabel: `${street} ${number}, ${zip} København`,
      address: {
        address1: `${street} ${number}`,
        address2: null,
        address3: null,
        zip,
        city: "København",
        province: null,
        country: "DK",
        countryAreaId: null
      }
    },
    connectors: [
      dc
        ? { id: id * 10 + 1, identifier: "ccs", name: "CCS" }
        : { id: id * 10 + 1, identifier: "type-2", name: "Type 2" }
    ],
    deeplinks: { app: `monta://charge-points/${id}`, web: `https://app.monta.com/charge-points/${id}` },
    lastMeterReadingKwh: (id * 131) % 10_000 + 0.5,
    meterId: null,
    cablePluggedIn: busy,
    chargePointModelId: dc ? 7 : 3,
    brandName: dc ? "Kempower" : "Zaptec",
    modelName: dc ? "Satellite" : "Go",
    firmwareVersion: dc ? "1.28.4" : "2.3.1",
    integrationType: "ocpp",
    evseId: `DK*MON*E${evse}`,
    priceGroupId: null,
    costGroupId: null,
    roamingPriceGroupId: null,
    sponsoredPriceGroupId: null,
    isActive: state !== "passive",
    reservable: false,
    reservationTime: null,
    simCard: null,
    roaming: isPublic,
    lastConnectedAt: fields.createdAt,
    disconnectedAt: state === "disconnected" ? fields.updatedAt : null,
    occupied: busy,
    protocolData: { ocpp: { status: ocppStatusOf(state), updatedAt: fields.updatedAt } },
    metadata: null,
    showOnMap: isPublic
  }
}

/** @internal */
export const seedChargePoint = (index: number): ChargePoint => {
  const id = index + 1
  const created = isoAt(seedEpoch + index * 3_600_000, `charge-point:${id}`)
  return makeChargePoint({
    id,
    teamId: seedTeam(index),
    operator: demoOperator,
    name: `Charge point ${id}`,
    serialNumber: `MONTA-${String(id).padStart(6, "0")}`,
    state: seededStates[index % seededStates.length]!,
    maxKw: [11, 22, 50, 150][index % 4]!,
    createdAt: created,
    updatedAt: created
  })
}

const dkk: Currency = { identifier: "DKK", name: "Danish krone", decimals: 2 }

const walletStates = ["complete", "complete", "pending", "failed"] as const

const cents = (amount: number) => Math.round(amount * 100) / 100

/**
 * The i-th seeded wallet transaction: mostly charges paid by a team to the operator, every fifth a
 * deposit from the operator into the team's wallet.
 *
 * @internal
 */
export const seedWalletTransaction = (index: number): WalletTransaction => {
  const id = index + 1
  const teamId = seedTeam(index)
  const amount = ((index * 37) % 5000) / 100 + 1
  const subAmount = cents(amount / 1.25)
  const vat = cents(amount - subAmount)
  const createdMillis = seedEpoch + index * 1_800_000
  const createdAt = isoAt(createdMillis, `wallet-transaction:${id}`)
  const state = walletStates[index % walletStates.length]!
  const settled = state === "complete" || state === "failed"
  const updatedAt = settled ? isoAt(createdMillis + 60_000, `wallet-transaction:${id}:updated`) : null
  const team = { id: teamId, publicName: `Team ${teamId}`, operatorId: demoOperator.id }
  const deposit = index % 5 === 4
  return {
    id,
    fromAmount: amount,
    fromSubAmount: subAmount,
    fromVatAmount: vat,
    fromCurrency: dkk,
    fromType: deposit ? "OPERATOR" : "TEAM",
    from: deposit ? demoOperator : team,
    fromWalletId: deposit ? 4200 : 1000 + teamId,
    toAmount: amount,
    toSubAmount: subAmount,
    toVatAmount: vat,
    toCurrency: dkk,
    toType: deposit ? "TEAM" : "OPERATOR",
    to: deposit ? team : demoOperator,
    toWalletId: deposit ? 1000 + teamId : 4200,
    exchangeRate: 1,
    createdAt,
    updatedAt,
    completedAt: state === "complete" ? updatedAt : null,
    referenceId: deposit ? String(1000 + teamId) : String(50_000 + id),
    referenceType: deposit ? "WALLET" : "CHARGE",
    group: deposit ? "deposit" : "charge",
    kind: deposit ? "operator-adjustment" : "charge",
    vatPercentage: 25,
    state,
    note: deposit ? `Top-up ${id}` : `Charge ${id}`,
    partnerExternalId: null,
    partnerCustomPayload: null,
    metadata: deposit ? null : { id: 50_000 + id, kwh: cents(amount / 3.1), type: "charge-metadata" },
    teamId
  }
}
