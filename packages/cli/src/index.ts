/**
 * @since 0.1.0
 */
export * from "./CommandFailed.js"
/**
 * @since 0.1.0
 */
export * from "./ExitCode.js"
/**
 * @since 0.1.0
 */
export * from "./MontaAuthCli.js"
