/** Starts `node --import tsx packages/server/src/main.ts` (what `keywarden serve` / `npm start` run) as a child. */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const MAIN = join(ROOT, 'packages', 'server', 'src', 'main.ts')
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')

export interface ServerProcess {
  child: ChildProcess
  url: string
  stdout(): string
  stderr(): string
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Resolves once the server says where it serves, rejects when it exits before that. */
export function startServerProcess(
  env: Record<string, string>,
  cwd: string,
  command: [string, ...string[]] = [process.execPath, '--conditions=keywarden-source', '--import', TSX, MAIN],
): Promise<ServerProcess> {
  const [file, ...args] = command
  // Its own process group: a launcher (npx, npm) does not pass signals on, so stop() signals the group.
  const child = spawn(file, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk) => {
    out += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal)
    } catch {
      // The group is gone already.
    }
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup('SIGKILL')
      reject(new Error(`server did not start within 20 s; stderr:\n${err}`))
    }, 20_000)
    child.stderr?.on('data', (chunk) => {
      err += chunk
      const url = /(?:serving the dashboard at|keywarden listening on) (http:\/\/[^\s/]+)/.exec(err)?.[1]
      if (url) {
        clearTimeout(timer)
        resolve({
          child,
          url,
          stdout: () => out,
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            signalGroup(signal)
            return exited
          },
        })
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(
        Object.assign(new Error(`server exited with ${code}; stderr:\n${err}`), {
          code,
          stderr: err,
          stdout: out,
        }),
      )
    })
  })
}

/** Runs main.ts expecting it to fail at start; resolves with its exit code and output. */
export function runServerExpectingExit(
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startServerProcess(env, cwd).then(
    async (server) => {
      await server.stop('SIGKILL')
      throw new Error(`the server started at ${server.url} but was expected to refuse`)
    },
    (error: { code: number | null; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  )
}
