import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { createServerApp, settleBackground, storeHealthCheck } from '../packages/server/src/app.js'
import { loadServerConfig } from '../packages/server/src/config.js'
import { startExpiryScan } from '../packages/server/src/leaks/scan-job.js'
import { createLogger } from '../packages/server/src/log/logger.js'
import { TEST_SECRET } from './server-helpers.js'

// A fake GitHub: publishes a P-256 public key generated here, as GitHub's keys document does.
const github = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const KEY_ID = 'test-key-1'
let fakeGithub: Server
let keysUrl = ''
let keyFetches = 0

beforeAll(async () => {
  fakeGithub = createServer((_req, res) => {
    keyFetches++
    res.setHeader('content-type', 'application/json')
    res.end(
      JSON.stringify({
        public_keys: [
          {
            key_identifier: KEY_ID,
            key: github.publicKey.export({ type: 'spki', format: 'pem' }),
            is_current: true,
          },
        ],
      }),
    )
  })
  await new Promise<void>((resolve) => fakeGithub.listen(0, '127.0.0.1', resolve))
  keysUrl = `http://127.0.0.1:${(fakeGithub.address() as AddressInfo).port}/meta/public_keys/secret_scanning`
})
afterAll(async () => {
  await new Promise((resolve) => fakeGithub.close(resolve))
})

function server(policy: 'revoke' | 'notify' = 'revoke') {
  const store = memoryStore()
  const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false })
  const vault = createVault({ secret: TEST_SECRET, store })
  const lines: string[] = []
  const errors: unknown[] = []
  const app = createServerApp({
    warden,
    vault,
    secret: TEST_SECRET,
    checkHealth: storeHealthCheck(store),
    trustProxy: true,
    onError: (error) => errors.push(error),
    logger: createLogger({ level: 'debug', json: true, write: (line) => lines.push(line) }),
    leaks: { policy, githubKeysUrl: keysUrl, reportLimit: { limit: 5, windowMs: 60_000 } },
  })
  return { app, warden, store, lines, errors }
}

function signed(body: string, key: KeyObject = github.privateKey, keyId = KEY_ID): RequestInit {
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'Github-Public-Key-Identifier': keyId,
      'Github-Public-Key-Signature': sign('sha256', Buffer.from(body), key).toString('base64'),
    },
  }
}

const report = (...tokens: string[]) =>
  JSON.stringify(
    tokens.map((token) => ({
      token,
      type: 'keywarden_api_key',
      url: 'https://github.com/o/r/blob/x',
      source: 'content',
    })),
  )

describe('POST /api/leaks/github', () => {
  it('labels a reported key true_positive and revokes it, an unknown token false_positive', async () => {
    const { app, warden, store, lines } = server()
    const { key, record } = await warden.keys.create({ name: 'pushed to GitHub' })
    const unknown = (await createKeywarden({ store: memoryStore(), prefix: 'kw' }).keys.create({ name: 'x' }))
      .key
    const res = await app.request('http://local/api/leaks/github', signed(report(key, unknown, 'not-a-key')))
    expect(res.status).toBe(200)
    const sha = (t: string) => createHash('sha256').update(t).digest('hex')
    expect(await res.json()).toEqual([
      { token_hash: sha(key), token_type: 'keywarden_api_key', label: 'true_positive' },
      { token_hash: sha(unknown), token_type: 'keywarden_api_key', label: 'false_positive' },
      { token_hash: sha('not-a-key'), token_type: 'keywarden_api_key', label: 'false_positive' },
    ])
    expect((await warden.keys.get(record.id))?.revokedAt).toBeInstanceOf(Date)
    expect((await warden.keys.verify(key)).valid).toBe(false)
    const { items } = await warden.audit.list({ targetId: record.id, action: 'key.leaked' })
    expect(items[0]).toMatchObject({
      actor: { type: 'system', id: 'github-secret-scanning' },
      detail: { source: 'github', policy: 'revoke' },
    })
    const hash = (await store.getKeyById(record.id))?.hash as string
    expect(lines.join('\n')).not.toContain(key)
    expect(lines.join('\n')).not.toContain(hash)
  })

  it("only tells under the 'notify' policy", async () => {
    const { app, warden } = server('notify')
    const { key, record } = await warden.keys.create({ name: 'watched' })
    const res = await app.request('http://local/api/leaks/github', signed(report(key)))
    expect((await res.json())[0].label).toBe('true_positive')
    expect((await warden.keys.get(record.id))?.revokedAt).toBeNull()
    expect((await warden.audit.list({ action: 'key.leaked' })).items).toHaveLength(1)
  })

  it('answers 401 and changes nothing for an unsigned, mis-signed, tampered or unknown-key post', async () => {
    const { app, warden } = server()
    const { key, record } = await warden.keys.create({ name: 'safe' })
    const body = report(key)
    const tampered = signed(report('kw_other'))
    const attempts: RequestInit[] = [
      { method: 'POST', body, headers: { 'content-type': 'application/json' } },
      signed(body, stranger.privateKey),
      { ...tampered, body },
      signed(body, github.privateKey, 'no-such-key'),
      {
        ...signed(body),
        headers: { ...(signed(body).headers as object), 'Github-Public-Key-Signature': 'bm9wZQ==' },
      },
    ]
    const before = keyFetches
    for (const init of attempts) {
      const res = await app.request('http://local/api/leaks/github', init)
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    // The keys were fetched once; the unknown identifier did not refetch within a minute.
    expect(keyFetches - before).toBe(1)
    expect((await warden.keys.get(record.id))?.revokedAt).toBeNull()
    expect((await warden.audit.list({ action: 'key.leaked' })).items).toEqual([])
  })

  it('refuses a signed body that is not a token list with 400', async () => {
    const { app } = server()
    const res = await app.request('http://local/api/leaks/github', signed('{"token":"x"}'))
    expect(res.status).toBe(400)
  })
})

describe('POST /api/leaks/report', () => {
  const post = (app: ReturnType<typeof server>['app'], body: unknown, address = '203.0.113.7') =>
    app.request('http://local/api/leaks/report', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    })

  it('revokes a valid key and answers exactly as for unknown ones', async () => {
    const { app, warden, store, lines } = server()
    const { key, record } = await warden.keys.create({ name: 'reported by its holder' })
    const unknown = (await createKeywarden({ store: memoryStore(), prefix: 'kw' }).keys.create({ name: 'x' }))
      .key
    const a = await post(app, { keys: [key] })
    const b = await post(app, { keys: [unknown] })
    expect([a.status, b.status]).toEqual([202, 202])
    const [bodyA, bodyB] = [await a.text(), await b.text()]
    expect(bodyA).toBe(bodyB)
    expect(JSON.parse(bodyA)).toEqual({ received: 1 })
    await settleBackground(app)
    expect((await warden.keys.get(record.id))?.revokedAt).toBeInstanceOf(Date)
    const { items } = await warden.audit.list({ targetId: record.id, action: 'key.leaked' })
    expect(items[0]).toMatchObject({ actor: { type: 'system', id: 'leak-report', address: '203.0.113.7' } })
    const hash = (await store.getKeyById(record.id))?.hash as string
    const everything = [bodyA, ...lines, JSON.stringify(items)].join('\n')
    expect(everything).not.toContain(key)
    expect(everything).not.toContain(hash)
  })

  it('takes at most 100 keys, and refuses other bodies with 400', async () => {
    const { app } = server()
    expect((await post(app, { keys: Array.from({ length: 101 }, () => 'kw_x') })).status).toBe(400)
    expect((await post(app, { keys: [] }, '203.0.113.8')).status).toBe(400)
    expect((await post(app, ['kw_x'], '203.0.113.9')).status).toBe(400)
    expect((await post(app, { keys: ['x'.repeat(600)] }, '203.0.113.10')).status).toBe(400)
    const ok = await post(app, { keys: Array.from({ length: 100 }, (_, i) => `kw_${i}`) }, '203.0.113.11')
    expect(await ok.json()).toEqual({ received: 100 })
  })

  it('limits reports per address with 429 and Retry-After; other addresses go on', async () => {
    const { app } = server()
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await post(app, { keys: ['kw_x'] })).status)
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429])
    const refused = await post(app, { keys: ['kw_x'] })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await post(app, { keys: ['kw_x'] }, '198.51.100.1')).status).toBe(202)
  })
})

it('lists both leak routes in /openapi.json', async () => {
  const { app } = server()
  const document = await (await app.request('http://local/openapi.json')).json()
  expect(Object.keys(document.paths)).toEqual(
    expect.arrayContaining(['/api/leaks/github', '/api/leaks/report']),
  )
})

describe('the expiry scan job and the leak settings', () => {
  it('scans on its interval until stopped', async () => {
    const now = new Date('2026-12-01T00:00:00Z')
    const warden = createKeywarden({ store: memoryStore(), prefix: 'kw', lastUsed: false, now: () => now })
    const types: string[] = []
    warden.events.subscribe((event) => {
      types.push(event.type)
    })
    await warden.keys.create({ name: 'soon', expiresAt: new Date(now.getTime() + 3_600_000) })
    const errors: unknown[] = []
    const stop = startExpiryScan(warden, 10, (error) => errors.push(error))
    await vi.waitFor(() => expect(types).toContain('key.expiring'))
    await stop()
    expect(types.filter((t) => t === 'key.expiring')).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it('reads KEYWARDEN_LEAK_POLICY, KEYWARDEN_GITHUB_KEYS_URL and KEYWARDEN_EXPIRY_SCAN_MS, refusing bad values', () => {
    const base = { KEYWARDEN_SECRET: TEST_SECRET }
    expect(loadServerConfig(base)).toMatchObject({
      leakPolicy: 'revoke',
      githubKeysUrl: 'https://api.github.com/meta/public_keys/secret_scanning',
      expiryScanMs: 600_000,
    })
    expect(
      loadServerConfig({
        ...base,
        KEYWARDEN_LEAK_POLICY: 'notify',
        KEYWARDEN_GITHUB_KEYS_URL: keysUrl || 'http://127.0.0.1:1/keys',
        KEYWARDEN_EXPIRY_SCAN_MS: '0',
      }),
    ).toMatchObject({ leakPolicy: 'notify', expiryScanMs: 0 })
    expect(() => loadServerConfig({ ...base, KEYWARDEN_LEAK_POLICY: 'delete' })).toThrow(
      /KEYWARDEN_LEAK_POLICY/,
    )
    expect(() => loadServerConfig({ ...base, KEYWARDEN_GITHUB_KEYS_URL: 'ftp://x' })).toThrow(
      /KEYWARDEN_GITHUB_KEYS_URL/,
    )
    expect(() => loadServerConfig({ ...base, KEYWARDEN_EXPIRY_SCAN_MS: '500' })).toThrow(
      /KEYWARDEN_EXPIRY_SCAN_MS/,
    )
  })
})
