import { createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { compare } from './harness.js'

// 1,000 users with one OpenAI key each; get cycles through them.
const secret = randomBytes(32)
const store = memoryStore()
const vault = createVault({ secret, store, defaultTtlMs: null })
const users: string[] = []
for (let i = 0; i < 1000; i++) {
  users.push(`user${i}`)
  await vault.for({ userId: `user${i}` }).set('openai', `sk-proj-${randomBytes(24).toString('base64url')}`)
}

// The floor: one raw AES-256-GCM decrypt of the same stored payloads, bytes already decoded, the key
// already a KeyObject (the fastest form node:crypto takes).
const dataKey = createSecretKey(
  Buffer.from(
    hkdfSync('sha256', secret, Buffer.from('keywarden/vault/v1'), 'keywarden vault data key|k1', 32),
  ),
)
const raw: Array<{ iv: Buffer; ct: Buffer; tag: Buffer; aad: Buffer }> = []
for (const user of users) {
  const record = await store.getSecret(`user:${user}`, 'openai')
  const [, , iv, body] = (record?.ciphertext ?? '').split('.') as [string, string, string, string]
  const bytes = Buffer.from(body, 'base64url')
  raw.push({
    iv: Buffer.from(iv, 'base64url'),
    ct: bytes.subarray(0, bytes.length - 16),
    tag: bytes.subarray(bytes.length - 16),
    aad: Buffer.from(`kw1|user:${user}|openai`),
  })
}

let i = 0
let j = 0
await compare({
  name: 'vault.for(...).get() on memoryStore',
  subject: () => vault.for({ userId: users[i++ % 1000] as string }).get('openai'),
  floorName: 'raw AES-256-GCM decrypt',
  floor: () => {
    const p = raw[j++ % 1000] as (typeof raw)[number]
    const decipher = createDecipheriv('aes-256-gcm', dataKey, p.iv)
    decipher.setAAD(p.aad)
    decipher.setAuthTag(p.tag)
    return decipher.update(p.ct, undefined, 'utf8') + decipher.final('utf8')
  },
  maxRatio: 1.5,
})
