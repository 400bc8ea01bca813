import { CommanderError } from 'commander'
import { type CliIo, EXIT_USAGE, errorCodeOf, exitCodeOf, toJson } from './io.js'
import { createProgram } from './program.js'
import { createRuntime } from './runtime.js'

export interface RunResult {
  exitCode: number
  /** True for `serve`: the caller must not exit the process. */
  keepAlive: boolean
}

/** Runs one command line (without `node` and the script) and returns its exit code; never throws. */
export async function run(argv: string[], io: CliIo): Promise<RunResult> {
  const rt = createRuntime(io)
  const program = createProgram(rt)
  if (argv.length === 0) {
    program.outputHelp({ error: true })
    return { exitCode: EXIT_USAGE, keepAlive: false }
  }
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; everything else commander rejects is a usage error
      rt.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE
    } else {
      rt.exitCode = exitCodeOf(error)
      const message = error instanceof Error ? error.message : String(error)
      if (rt.json) io.stdout.write(toJson({ error: { code: errorCodeOf(error), message } }))
      io.stderr.write(`keywarden: ${message}\n`)
      if (io.env.KEYWARDEN_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`)
    }
  } finally {
    if (!rt.keepAlive) {
      for (const context of rt.openContexts) {
        await context
          .close()
          .catch((error: Error) => io.stderr.write(`keywarden: closing the store failed: ${error.message}\n`))
      }
    }
  }
  return { exitCode: rt.exitCode, keepAlive: rt.keepAlive }
}
