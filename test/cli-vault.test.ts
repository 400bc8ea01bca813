import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { cli } from './cli-harness.js'

const COUNT = 10_000
const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-vault-'))
const url = `sqlite:${join(cwd, 'vault.db')}`
const k1 = randomBytes(32).toString('base64url')
const k2 = randomBytes(32).toString('base64url')
const apiKey = (i: number) => `sk-proj-${'A'.repeat(30)}${i}`

beforeAll(async () => {
  // Seeded through the vault itself, on the same sqlite file the CLI then opens.
  const store = sqlStore({ url })
  const vault = createVault({ store, keyring: { current: 'k1', keys: { k1 } }, defaultTtlMs: null })
  for (let i = 0; i < COUNT; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, COUNT - i) }, (_, j) =>
        vault.for({ userId: `u${i + j}` }).set('openai', apiKey(i + j)),
      ),
    )
  }
  await store.close()
}, 120_000)

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

describe('keywarden vault rotate', () => {
  it('re-encrypts 10,000 secrets under the new key, then finds them all current', async () => {
    const keyringFile = join(cwd, 'keyring.json')
    writeFileSync(keyringFile, JSON.stringify({ current: 'k2', keys: { k1, k2 } }))
    const env = { KEYWARDEN_DATABASE_URL: url }
    const rotated = await cli(['vault', 'rotate', '--keyring', keyringFile, '--json'], { cwd, env })
    expect(rotated.code).toBe(0)
    expect(rotated.json()).toEqual({
      scanned: COUNT,
      rotated: COUNT,
      upToDate: 0,
      conflicts: 0,
      failed: [],
      currentKeyId: 'k2',
    })
    // Off a TTY: plain progress lines on stderr, ending at the total.
    expect(rotated.stderr.trim().split('\n').at(-1)).toBe(`vault rotate: ${COUNT}/${COUNT} rotated ${COUNT}`)
    expect(rotated.stdout + rotated.stderr).not.toContain(k1)
    expect(rotated.stdout + rotated.stderr).not.toContain(apiKey(0))

    const again = await cli(['vault', 'rotate'], {
      cwd,
      env: { ...env, KEYWARDEN_KEYRING: JSON.stringify({ current: 'k2', keys: { k2 } }) },
    })
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(
      `scanned ${COUNT}, rotated 0, already current ${COUNT}, changed meanwhile 0, failed 0\n`,
    )

    // k1 is gone and every value still decrypts, under k2 alone.
    const store = sqlStore({ url })
    try {
      const vault = createVault({ store, keyring: { current: 'k2', keys: { k2 } } })
      for (const i of [0, 1234, COUNT - 1])
        expect(await vault.for({ userId: `u${i}` }).get('openai')).toBe(apiKey(i))
      let seen = 0
      let cursor: string | null = null
      do {
        const page = await store.scanSecrets({ limit: 5000, cursor })
        seen += page.items.filter((r) => r.keyId === 'k2').length
        cursor = page.nextCursor
      } while (cursor)
      expect(seen).toBe(COUNT)
    } finally {
      await store.close()
    }
  })

  it('exits 1 when the secret is wrong but its key id matches, touching nothing', async () => {
    const place = `sqlite:${join(cwd, 'same-id.db')}`
    const store = sqlStore({ url: place })
    // A plain secret gets key id k1, so does any other plain secret: only decrypting tells them apart.
    const vault = createVault({ store, secret: k1, defaultTtlMs: null })
    for (const user of ['ada', 'bob', 'cy'])
      await vault.for({ userId: user }).set('openai', apiKey(user.length))
    await store.close()
    const other = randomBytes(32).toString('base64url')
    const wrong = await cli(['vault', 'rotate', '--json'], {
      cwd,
      env: { KEYWARDEN_DATABASE_URL: place, KEYWARDEN_SECRET: other },
    })
    expect(wrong.code).toBe(1)
    expect(wrong.json()).toMatchObject({ scanned: 3, rotated: 0, upToDate: 0, currentKeyId: 'k1' })
    expect(
      wrong
        .json()
        .failed.map((f: { scope: string }) => f.scope)
        .sort(),
    ).toEqual(['user:ada', 'user:bob', 'user:cy'])
    expect(wrong.stdout + wrong.stderr).not.toContain(other)
    const after = sqlStore({ url: place })
    try {
      const a = createVault({ store: after, secret: k1 })
      for (const user of ['ada', 'bob', 'cy'])
        expect(await a.for({ userId: user }).get('openai')).toBe(apiKey(user.length))
    } finally {
      await after.close()
    }
  })

  it('exits 1 and lists what a keyring cannot decrypt, touching nothing', async () => {
    const small = `sqlite:${join(cwd, 'small.db')}`
    const store = sqlStore({ url: small })
    const vault = createVault({ store, secret: k1 })
    await vault.for({ userId: 'ada' }).set('openai', apiKey(7))
    await store.close()
    const k3 = randomBytes(32).toString('base64url')
    const [wrong, noSecret] = await Promise.all([
      cli(['vault', 'rotate', '--json'], {
        cwd,
        env: {
          KEYWARDEN_DATABASE_URL: small,
          KEYWARDEN_KEYRING: JSON.stringify({ current: 'k3', keys: { k3 } }),
        },
      }),
      cli(['vault', 'rotate', '--json'], { cwd, env: { KEYWARDEN_DATABASE_URL: small } }),
    ])
    expect(wrong.code).toBe(1)
    expect(wrong.json()).toMatchObject({
      scanned: 1,
      rotated: 0,
      failed: [{ scope: 'user:ada', provider: 'openai' }],
    })
    expect(wrong.stdout + wrong.stderr).not.toContain(k3)
    expect(noSecret.code).toBe(1)
    expect(noSecret.json().error.message).toMatch(/no vault secret: set KEYWARDEN_SECRET/)
    const after = sqlStore({ url: small })
    try {
      expect(await createVault({ store: after, secret: k1 }).for({ userId: 'ada' }).get('openai')).toBe(
        apiKey(7),
      )
    } finally {
      await after.close()
    }
  })
})
