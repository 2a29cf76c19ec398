/**
 * The exit codes of the `monta-auth` command, for scripts: `0` success, `1` a scope is missing
 * (`check`), `2` usage or configuration, `3` credentials refused, `4` API unreachable or failing,
 * `5` an unexpected answer or any other error, `130` interrupted.
 *
 * @since 0.1.0
 */

/**
 * The exit codes by name.
 *
 * @example
 * ```sh
 * monta-auth check charge-points:write
 * case $? in
 *   0) echo "granted" ;;
 *   1) echo "not granted" ;;
 *   3) echo "bad credentials" ;;
 * esac
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** `check`: at least one scope is not granted. */
  ScopeMissing: 1,
  /** Bad usage or configuration: unknown option, missing credentials, invalid base URL or scope. */
  Usage: 2,
  /** The Monta API refused the client id and secret (`/auth/token` answered 400, 401 or 403). */
  CredentialsRefused: 3,
  /** The API could not be reached or kept failing (connection, timeout, 5xx, 429) after retries. */
  Unavailable: 4,
  /** Anything else: an answer that is not what the API promises, another HTTP error. */
  Failure: 5,
  /** Stopped by SIGINT or SIGTERM. */
  Interrupted: 130
} as const

/**
 * One of the exit codes of `ExitCode`.
 *
 * @since 0.1.0
 * @category models
 */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode]
