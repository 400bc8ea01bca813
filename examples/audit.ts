// The audit log: who changed what, on the store that keeps the keys. Run: npx tsx examples/audit.ts
import { randomBytes } from 'node:crypto'
import { createKeywarden } from 'keywarden'
import { sqlStore } from 'keywarden/stores/sql'
import { createVault } from 'keywarden/vault'

const store = sqlStore({ url: 'sqlite::memory:' }) // keys, secrets and the audit log in one place
const warden = createKeywarden({ store, prefix: 'acme' })
// The vault shares the warden's hub: provider-key changes land in the same log.
const vault = createVault({ secret: process.env.APP_SECRET ?? randomBytes(32), store, events: warden.events })

// Who made a change: pass { actor, requestId } as the last argument of every changing method.
const admin = { actor: { type: 'key' as const, id: 'key_admin', address: '203.0.113.7' }, requestId: 'req-1' }
const { record } = await warden.keys.create({ name: 'ci', ownerId: 'ada', scopes: ['builds:read'] }, admin)
await warden.keys.update(record.id, { scopes: ['builds:read', 'builds:write'] }, admin)
await warden.keys.roll(record.id, { expireOldInMs: 3_600_000, ...admin })
await vault.for({ userId: 'ada' }).set('openai', 'sk-proj-example-0123456789abcdef', { actor: admin.actor })

// Newest first; every filter is optional; nextCursor continues.
const { items, nextCursor } = await warden.audit.list({ targetId: record.id, limit: 10 })
for (const entry of items)
  console.log(entry.at.toISOString(), entry.action, entry.actor.id, entry.fields ?? [])
// … key.rolled key_admin []
// … key.updated key_admin [ 'scopes' ]
// … key.created key_admin [ 'name', 'ownerId', 'scopes' ]
console.log(nextCursor) // null: that was all of it
const ada = await warden.audit.list({ ownerId: 'ada', action: 'secret.put' })
console.log(ada.items.map((e) => e.target.id)) // [ 'user:ada/openai' ]

// The dashboard's search: name substring, id or start prefix, owner, state; a page and the total.
const { items: found, total } = await warden.keys.search({ query: 'CI', state: 'active', limit: 20 })
console.log(
  total,
  found.map((k) => k.start),
)

await warden.close()
