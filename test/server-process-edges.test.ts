/** The server as a process: any working directory, file modes, and SIGTERM through `npm start`. */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerProcess } from './server-process-helpers.js'

const ROOT = join(import.meta.dirname, '..')

/** Every live process below `pid` (Linux /proc): pid → its command line. */
function descendants(pid: number): Map<number, string> {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {} // gone meanwhile
  }
  const found = new Map<number, string>()
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.set(child, readCmdline(child))
      queue.push(child)
    }
  }
  return found
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
  } catch {
    return ''
  }
}

/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
    return false
  } catch {
    return true
  }
}

describe('the server from another working directory', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-cwd-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('renders the dashboard (JSX does not depend on the tsconfig of the cwd) and creates 0600 files', async () => {
    const server = await startServerProcess({}, dir)
    try {
      const login = await fetch(`${server.url}/login`)
      expect(login.status).toBe(200)
      expect(await login.text()).toMatch(/^<!doctype html><html/)
      for (const file of ['keywarden.db', 'keywarden.db-wal', 'keywarden.db-shm', '.keywarden/secret']) {
        expect((statSync(join(dir, file)).mode & 0o777).toString(8), file).toBe('600')
      }
    } finally {
      expect(await server.stop()).toBe(0)
    }
    expect(server.stderr()).not.toMatch(/React is not defined/)
  })
})

describe.skipIf(process.platform !== 'linux')('SIGTERM to npm start', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-npm-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('stops the server: the port closes and no process of it remains', async () => {
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        PORT: '0',
        KEYWARDEN_DATABASE_URL: `sqlite:${join(dir, 'k.db')}`,
        KEYWARDEN_SECRET_FILE: join(dir, 'secret'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)))
    let below = new Map<number, string>()
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`npm start did not serve in 30 s:\n${stderr}`)),
          30_000,
        )
        npm.stderr.on('data', (chunk) => {
          stderr += chunk
          const found = /keywarden listening on (http:\/\/\S+)/.exec(stderr)?.[1]
          if (found) {
            clearTimeout(timer)
            resolve(found)
          }
        })
        void exited.then(() => reject(new Error(`npm start exited:\n${stderr}`)))
      })
      below = descendants(npm.pid as number)
      expect([...below.values()].some((cmd) => cmd.includes('bin/keywarden.js serve'))).toBe(true)
      expect((await fetch(`${url}/healthz`)).status).toBe(200)

      npm.kill('SIGTERM')
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))])
      expect(code).not.toBe('timeout')
      let left = [...below.keys()].filter(running)
      for (let i = 0; i < 50 && left.length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        left = left.filter(running)
      }
      expect(left.map((pid) => below.get(pid))).toEqual([])
      expect(await refused(url)).toBe(true)
      expect(stderr).toMatch(/SIGTERM received/)
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL')
      for (const pid of below.keys()) if (running(pid)) process.kill(pid, 'SIGKILL')
    }
  })
})
