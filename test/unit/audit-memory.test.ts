import { createKeywarden, ValidationError } from 'keywarden'
import { memoryStore } from 'keywarden/stores/memory'
import { createVault } from 'keywarden/vault'
import { describe, expect, it } from 'vitest'

const SECRET = 'vA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz01234=-aZ'

describe('the audit log on the memory store', () => {
  it('records every key change with its actor, newest first, and never a key or hash', async () => {
    const store = memoryStore()
    const warden = createKeywarden({ store, prefix: 'kw' })
    const actor = { type: 'key' as const, id: 'key_admin', address: '127.0.0.1' }
    const { key, record } = await warden.keys.create({ name: 'a', ownerId: 'u1' }, { actor, requestId: 'r1' })
    await warden.keys.update(record.id, { name: 'b' }, { actor })
    const rolled = await warden.keys.roll(record.id, { actor: { type: 'cli' } })
    await warden.keys.revoke(rolled.record.id)
    await warden.keys.delete(rolled.record.id, { actor: { type: 'session', id: 'key_admin' } })
    const { items } = await warden.audit.list({ limit: 10 })
    expect(items.map((e) => e.action)).toEqual([
      'key.deleted',
      'key.revoked',
      'key.rolled',
      'key.updated',
      'key.created',
    ])
    const created = items[4]
    expect(created).toMatchObject({
      actor,
      requestId: 'r1',
      target: { type: 'key', id: record.id },
      ownerId: 'u1',
      fields: ['name', 'ownerId'],
    })
    expect(items[3]?.fields).toEqual(['name'])
    expect(items[2]).toMatchObject({ actor: { type: 'cli' }, target: { id: record.id } })
    expect(items[1]?.actor).toEqual({ type: 'system' })
    const text = JSON.stringify(items)
    expect(text).not.toContain(key)
    expect(text).not.toContain(rolled.key)
    const stored = await store.getKeyById(record.id)
    expect(text).not.toContain(stored?.hash)
    const mine = await warden.audit.list({ targetId: rolled.record.id })
    expect(mine.items.map((e) => e.action)).toEqual(['key.deleted', 'key.revoked'])
    const pageOne = await warden.audit.list({ limit: 2 })
    const pageTwo = await warden.audit.list({ limit: 2, cursor: pageOne.nextCursor })
    expect([...pageOne.items, ...pageTwo.items].map((e) => e.id)).toEqual(items.slice(0, 4).map((e) => e.id))
  })

  it('refuses a bad actor before changing anything', async () => {
    const warden = createKeywarden({ store: memoryStore(), prefix: 'kw' })
    await expect(warden.keys.create({ name: 'a' }, { actor: { type: 'root' } as never })).rejects.toThrow(
      ValidationError,
    )
    expect((await warden.keys.list()).items).toHaveLength(0)
  })

  it('records vault changes in the warden log when the vault shares its hub', async () => {
    const store = memoryStore()
    const warden = createKeywarden({ store, prefix: 'kw' })
    const vault = createVault({ secret: SECRET, store, events: warden.events })
    const providerKey = `sk-${'x'.repeat(40)}`
    const mine = vault.for({ userId: 'u1' })
    await mine.set('openai', providerKey, { actor: { type: 'key', id: 'key_1' } })
    await mine.delete('openai')
    await vault.rotate()
    const { items } = await warden.audit.list()
    expect(items.map((e) => e.action)).toEqual(['vault.rotated', 'secret.deleted', 'secret.put'])
    expect(items[2]).toMatchObject({ target: { type: 'secret', id: 'user:u1/openai' }, ownerId: 'u1' })
    expect(JSON.stringify(items)).not.toContain(providerKey)
  })

  it('calls subscribers with the public record', async () => {
    const warden = createKeywarden({ store: memoryStore(), prefix: 'kw' })
    const seen: unknown[] = []
    warden.events.subscribe((event) => {
      seen.push(event)
    })
    const { key, record } = await warden.keys.create({ name: 'a' })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ type: 'key.created', data: { key: { id: record.id } } })
    expect(JSON.stringify(seen)).not.toContain(key)
  })
})
