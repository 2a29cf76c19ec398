/**
 * The resources the fake serves, shaped as the provider's schemas (`ChargePoint`,
 * `WalletTransaction` and what they hold, OpenAPI 2024-01-18).
 */

/**
 * A charge point as the provider's `ChargePoint` schema has it: every required field, the
 * optional ones with plausible values (or `null` where the schema allows it), in its order.
 *
 * @internal
 */
export interface ChargePoint {
  readonly id: number
  readonly teamId: number
  readonly partnerExternalId: string | null
  readonly partnerCustomPayload: object | null
  readonly siteId: number | null
  readonly operator: Operator | null
  readonly createdAt: string
  readonly updatedAt: string
  readonly deletedAt: string | null
  readonly activeAt: string | null
  readonly serialNumber: string
  readonly name: string
  readonly visibility: "private" | "public"
  readonly maxKw: number
  readonly type: "ac" | "dc"
  readonly note: string | null
  readonly operatorNote: string | null
  readonly state: ChargePointState
  readonly location: {
    readonly coordinates: { readonly latitude: number; readonly longitude: number } | null
    readonly addressLabel: string | null
    readonly address: {
      readonly address1: string
      readonly address2: string | null
      readonly address3: string | null
      readonly zip: string
      readonly city: string
      readonly province: string | null
      readonly country: string | null
      readonly countryAreaId: number | null
    } | null
  }
  readonly connectors: ReadonlyArray<{ readonly id: number; readonly identifier: string; readonly name: string }>
  readonly deeplinks: { readonly app: string; readonly web: string }
  readonly lastMeterReadingKwh: number | null
  readonly meterId: string | null
  readonly cablePluggedIn: boolean
  readonly chargePointModelId: number | null
  readonly brandName: string | null
  readonly modelName: string | null
  readonly firmwareVersion: string | null
  readonly integrationType: "oicp" | "ocpi" | "ocpp" | "other" | null
  readonly evseId: string
  readonly priceGroupId: number | null
  readonly costGroupId: number | null
  readonly roamingPriceGroupId: number | null
  readonly sponsoredPriceGroupId: number | null
  readonly isActive: boolean
  readonly reservable: boolean
  readonly reservationTime: number | null
  readonly simCard: { readonly imsi: string | null; readonly iccid: string | null } | null
  readonly roaming: boolean
  readonly lastConnectedAt: string | null
  readonly disconnectedAt: string | null
  readonly occupied: boolean | null
  readonly protocolData: {
    readonly ocpp: { readonly status: OcppStatus | null; readonly updatedAt: string | null } | null
  }
  readonly metadata: object | null
  readonly showOnMap: boolean
}

/** The provider's `ChargePointState` values. @internal */
export const chargePointStates = [
  "available",
  "busy",
  "busy-blocked",
  "busy-charging",
  "busy-non-charging",
  "busy-non-released",
  "busy-reserved",
  "busy-scheduled",
  "error",
  "disconnected",
  "passive",
  "maintenance",
  "other"
] as const

/** @internal */
export type ChargePointState = typeof chargePointStates[number]

/** The `ChargePointOcppStatus` values the fake writes. @internal */
export type OcppStatus = "available" | "charging" | "offline" | "faulted" | "unavailable"

/** The provider's `Operator`. @internal */
export interface Operator {
  readonly id: number
  readonly name: string
  readonly identifier: string
  readonly partnerId: number | null
  readonly vatNumber: string | null
}

/** The provider's `Currency`. @internal */
export interface Currency {
  readonly identifier: string
  readonly name: string
  readonly decimals: number
}

/** A team or an operator on either side of a wallet transaction (`TeamOrOperator`). @internal */
export type TeamOrOperator =
  | Operator
  | { readonly id: number; readonly publicName: string; readonly operatorId: number }

/**
 * A wallet transaction as the provider's `WalletTransaction` schema has it, plus `teamId`: the
 * team whose wallet it moves money of, which the fake's team restriction filters on (a field the
 * provider does not document; a decoder of the documented fields ignores it).
 *
 * @internal
 */
export interface WalletTransaction {
  readonly id: number
  readonly fromAmount: number
  readonly fromSubAmount: number
  readonly fromVatAmount: number
  readonly fromCurrency: Currency
  readonly fromType: string | null
  readonly from: TeamOrOperator | null
  readonly fromWalletId: number | null
  readonly toAmount: number
  readonly toSubAmount: number
  readonly toVatAmount: number
  readonly toCurrency: Currency
  readonly toType: string | null
  readonly to: TeamOrOperator | null
  readonly toWalletId: number | null
  readonly exchangeRate: number
  readonly createdAt: string
  readonly updatedAt: string | null
  readonly completedAt: string | null
  readonly referenceId: string | null
  readonly referenceType: "CHARGE" | "TEAM" | "WALLET" | null
  readonly group: "deposit" | "withdraw" | "charge" | "other"
  readonly kind: string
  readonly vatPercentage: number
  readonly state: "complete" | "pending" | "failed" | "reserved" | "other"
  readonly note: string | null
  readonly partnerExternalId: string | null
  readonly partnerCustomPayload: object | null
  readonly metadata: { readonly id: number; readonly kwh: number; readonly type: "charge-metadata" } | null
  readonly teamId: number
}
