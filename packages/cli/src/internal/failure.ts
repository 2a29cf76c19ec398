/**
 * Every error a command can meet, turned into one readable line and an exit code. Lines never
 * carry a secret: the errors of core hold none, and nothing here adds one.
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type {
  InsufficientScope,
  InvalidCredentials,
  InvalidOptions,
  MalformedResponse,
  MontaApiError,
  MontaAuthClosed,
  RateLimited,
  TokenRequestFailed,
  TokenStoreError,
  UnknownCredential
} from "@monta-auth/core"
import type * as ConfigError from "effect/ConfigError"
import { CommandFailed } from "../CommandFailed.js"
import { ExitCode } from "../ExitCode.js"

/** What a failure line may mention. @internal */
export interface FailureContext {
  readonly baseUrl: string
  readonly clientId: string
  readonly tokenCache: string | undefined
}

/** @internal */
export type KnownError =
  | InvalidCredentials
  | TokenRequestFailed
  | MalformedResponse
  | InsufficientScope
  | MontaApiError
  | RateLimited
  | TokenStoreError
  | InvalidOptions
  | MontaAuthClosed
  | UnknownCredential
  | ConfigError.ConfigError
  | HttpClientError.HttpClientError
  | CommandFailed

const fail = (exitCode: ExitCode, reason: string) => new CommandFailed({ exitCode, reason })

/** @internal */
export const toCommandFailed = (context: FailureContext) => (error: KnownError): CommandFailed => {
  switch (error._tag) {
    case "CommandFailed":
      return error
    case "MontaAuthClosed":
      return fail(ExitCode.Failure, error.message)
    case "InvalidCredentials": {
      const code = error.errorCode !== undefined ? ` ${error.errorCode}` : ""
      return fail(
        ExitCode.CredentialsRefused,
        `${context.baseUrl} refused the credentials of client ${error.clientId} (HTTP ${error.status}${code}): ` +
          "check the client id and secret"
      )
    }
    case "TokenRequestFailed": {
      const attempts = `${error.attempts} attempt${error.attempts === 1 ? "" : "s"}`
      switch (error.reason) {
        case "Transport":
          return fail(
            ExitCode.Unavailable,
            `cannot reach ${context.baseUrl} (${
              error.endpoint === "/auth/me" || error.endpoint === "/consumers/me" ? "GET" : "POST"
            } ${error.endpoint}, ${attempts}${error.detail !== undefined ? `: ${error.detail}` : ""})`
          )
        case "Timeout":
          return fail(ExitCode.Unavailable, `no answer from ${context.baseUrl} (POST ${error.endpoint}, ${attempts})`)
        case "RateLimited":
          return fail(
            ExitCode.Unavailable,
            `${context.baseUrl} is rate limiting this credential (HTTP 429 on ${error.endpoint}, ${attempts})`
          )
        case "Status": {
          const status = error.status !== undefined ? ` with HTTP ${error.status}` : ""
          const transient = error.status === undefined || error.status === 408 || error.status >= 500
          return fail(
            transient ? ExitCode.Unavailable : ExitCode.Failure,
            `${context.baseUrl}${error.endpoint} failed${status} (${attempts})`
          )
        }
        case "ExpiredToken":
          return fail(ExitCode.Failure, `${context.baseUrl}${error.endpoint} keeps issuing expired tokens`)
      }
      break
    }
    case "MalformedResponse":
      return fail(
        ExitCode.Failure,
        `unexpected answer from ${error.method} ${error.url} (HTTP ${error.status}): ${error.problem}; ` +
          `is ${context.baseUrl} the Monta Partner API?`
      )
    case "MontaApiError": {
      const code = error.errorCode !== undefined ? ` ${error.errorCode}` : ""
      const transient = error.status === 408 || error.status === 429 || error.status >= 500
      return fail(
        transient ? ExitCode.Unavailable : ExitCode.Failure,
        `${error.method} ${error.url} failed with HTTP ${error.status}${code}`
      )
    }
    case "RateLimited":
    case "InsufficientScope":
    case "InvalidOptions":
    case "UnknownCredential":
      return fail(error._tag === "RateLimited" ? ExitCode.Unavailable : ExitCode.Usage, error.message)
    case "TokenStoreError":
      return fail(ExitCode.Failure, `token cache ${context.tokenCache ?? ""}: ${error.message}`)
    case "RequestError":
      return fail(ExitCode.Unavailable, `cannot reach ${context.baseUrl} (${error.reason} error)`)
    case "ResponseError":
      return fail(ExitCode.Failure, `unexpected answer from ${context.baseUrl} (HTTP ${error.response.status})`)
    default:
      // ConfigError: the message names the variable.
      return fail(ExitCode.Usage, String(error))
  }
  return fail(ExitCode.Failure, String(error))
}

/** A usage error (exit 2) with its reason. @internal */
export const usage = (reason: string): CommandFailed => new CommandFailed({ exitCode: ExitCode.Usage, reason })
