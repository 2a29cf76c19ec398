import type * as HttpClientError from "@effect/platform/HttpClientError"

// ---------------------------------------------------------------------------------------------
// policy
// ---------------------------------------------------------------------------------------------

/** H5: methods that may be sent again after a failure. @internal */
export const idempotentMethods: ReadonlySet<string> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])

// Error codes (Node and undici) of failures before a single byte of the request left this host.
const notSentCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT"
])

/**
 * Whether a transport error happened before the server could have received the request
 * (connection refused, host not found): only then may a POST or PATCH be sent again (H5).
 *
 * @internal
 */
export const neverSent = (error: HttpClientError.HttpClientError): boolean => {
  if (error._tag !== "RequestError") return false
  if (error.reason === "InvalidUrl" || error.reason === "Encode") return false
  let cause: unknown = error.cause
  for (let depth = 0; depth < 6 && typeof cause === "object" && cause !== null; depth++) {
    const code = (cause as { readonly code?: unknown }).code
    if (typeof code === "string" && notSentCodes.has(code)) return true
    const errors = (cause as { readonly errors?: unknown }).errors
    if (
      Array.isArray(errors) && errors.some((inner) => notSentCodes.has((inner as { code?: unknown })?.code as string))
    ) {
      return true
    }
    cause = (cause as { readonly cause?: unknown }).cause
  }
  return false
}

/** @internal */
export const isTransientStatus = (status: number) => status === 408 || status >= 500
