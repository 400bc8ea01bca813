import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnCli } from './cli-harness.js'

const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-serve-'))

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

describe('keywarden serve', () => {
  it('starts the server from flags, answers /healthz, prints the one-time admin key, stops on SIGTERM', async () => {
    const child = spawnCli(
      ['serve', '--port', '0', '--database-url', `sqlite:${join(cwd, 'serve.db')}`, '--prefix', 'srv'],
      {
        cwd,
        env: { KEYWARDEN_SECRET: 'Pk4Xz8Lq1Vm6Tn3Rb9Wc2Hy7Jd5Gs0Fa4Ue8Oi2Yb' },
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d
        const match = /listening on (http:\/\/\S+)/.exec(stderr)
        if (match) resolve(match[1] as string)
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
    })
    try {
      const health = await fetch(`${url}/healthz`)
      expect(health.status).toBe(200)
      expect(stdout).toMatch(/srv_[0-9A-Za-z]{49}/) // the admin key, on first start only, with --prefix
    } finally {
      child.kill('SIGTERM')
    }
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
    expect(stderr).toMatch(/SIGTERM received/)
  })
})
