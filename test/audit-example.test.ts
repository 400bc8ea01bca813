import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const example = fileURLToPath(new URL('../examples/audit.ts', import.meta.url))

describe('the audit example runs and matches docs/audit.md', () => {
  it('is shown verbatim in docs/audit.md', () => {
    const docs = readFileSync(new URL('../docs/audit.md', import.meta.url), 'utf8')
    expect(docs).toContain(`\`\`\`ts\n${readFileSync(example, 'utf8')}\`\`\``)
  })

  it('prints what its comments say', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=keywarden-source', '--import', 'tsx', example],
      { timeout: 60_000 },
    )
    const lines = stdout.trim().split('\n')
    expect(lines.slice(0, 3).map((line) => line.split(' ').slice(1, 3).join(' '))).toEqual([
      'key.rolled key_admin',
      'key.updated key_admin',
      'key.created key_admin',
    ])
    expect(lines[1]).toContain("[ 'scopes' ]")
    expect(lines[3]).toBe('null')
    expect(lines[4]).toBe("[ 'user:ada/openai' ]")
    expect(lines[5]).toMatch(/^2 \[ 'acme_\w{4}', 'acme_\w{4}' \]$/)
    expect(stdout).not.toContain('sk-proj-example')
  })
})
