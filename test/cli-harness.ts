/** Runs the real `keywarden` CLI (packages/server/src/cli/index.ts through tsx) as a child process. */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { PassThrough } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { run } from '../packages/server/src/cli/run.js'

const require = createRequire(import.meta.url)
const TSX = pathToFileURL(require.resolve('tsx')).href
export const CLI = fileURLToPath(new URL('../packages/server/src/cli/index.ts', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  json<T = any>(): T
}

export interface CliCall {
  env?: Record<string, string | undefined>
  cwd: string
  /** Written to stdin, which is then closed (stdin is never a TTY here). */
  input?: string
}

/** Starts the CLI and leaves it running (for `serve`); the caller ends it. */
export function spawnCli(args: string[], { env = {}, cwd }: CliCall) {
  return spawn(process.execPath, ['--conditions=keywarden-source', '--import', TSX, CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function result(code: number | null, stdout: string, stderr: string): CliResult {
  return {
    code,
    stdout,
    stderr,
    json() {
      try {
        return JSON.parse(stdout)
      } catch {
        throw new Error(`stdout is not one JSON document:\n${stdout}\nstderr:\n${stderr}`)
      }
    },
  }
}

export function cli(args: string[], { env = {}, cwd, input = '' }: CliCall): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=keywarden-source', '--import', TSX, CLI, ...args], {
      cwd,
      // Only what the test names: the outer KEYWARDEN_* variables must not leak in.
      env: { PATH: process.env.PATH, HOME: cwd, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve(result(code, stdout, stderr)))
    child.stdin.end(input)
  })
}

/** The same program in-process (for help texts, where 20 child processes would only cost time). */
export async function cliInProcess(
  args: string[],
  env: Record<string, string> = {},
  input = '',
): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const { exitCode } = await run(args, {
    env,
    stdout: {
      write: (s: string) => {
        stdout += s
      },
    },
    stderr: {
      write: (s: string) => {
        stderr += s
      },
    },
    stdin: new PassThrough().end(input),
  })
  return result(exitCode, stdout, stderr)
}
