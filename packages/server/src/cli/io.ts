import { KeywardenError, ValidationError } from 'keywarden'

/** What the CLI reads and writes; tests and `main` pass the process's streams. */
export interface CliIo {
  env: NodeJS.ProcessEnv
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
}

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** A failure the CLI reports with its own message and exit code (1, or 2 for usage). */
export class CliError extends Error {
  readonly exitCode: number
  readonly code: string
  constructor(message: string, exitCode: number = EXIT_FAILURE, code = 'ERR_CLI') {
    super(message)
    this.exitCode = exitCode
    this.code = code
  }
}

/** The command line itself is wrong: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE, 'ERR_USAGE')
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode
  // Bad flag values reach the engines as ValidationError: still a usage problem.
  if (error instanceof ValidationError) return EXIT_USAGE
  return EXIT_FAILURE
}

export function errorCodeOf(error: unknown): string {
  if (error instanceof CliError || error instanceof KeywardenError) return error.code
  return 'ERR_UNEXPECTED'
}

/** JSON with Dates as ISO strings, one document per command. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}
