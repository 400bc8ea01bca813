import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import type { Actor } from '../events/types.js'
import { createKeywarden } from '../keys/keywarden.js'
import type { AuditStore } from '../stores/audit-types.js'
import { memoryStore } from '../stores/memory.js'
import {
  hasMethods,
  KEY_STORE_METHODS,
  type KeyStore,
  SECRET_STORE_METHODS,
  type SecretStore,
} from '../stores/types.js'
import { createVault } from '../vault/index.js'
import { listAll } from './audit-list.js'
import { uniqueOwner } from './fixtures.js'

/**
 * Inside describeAuditStore: a whole warden + vault cycle on the store (the vault on the store
 * too when it is a SecretStore), sharing one hub. Its history stays after the key is deleted,
 * and no entry anywhere in the log holds a plaintext key, a key hash, a provider key or its ciphertext.
 */
export function auditCycleContract(open: () => AuditStore): void {
  it('records a warden + vault cycle by actor and never a key, hash or provider key', async (context) => {
    const store = open()
    if (!hasMethods(store, KEY_STORE_METHODS)) context.skip('the store is not a KeyStore')
    const keys = store as AuditStore & KeyStore
    const secrets = hasMethods(store, SECRET_STORE_METHODS)
      ? (store as unknown as SecretStore)
      : memoryStore()
    const warden = createKeywarden({ store: keys, prefix: 'audit', lastUsed: false, usage: false })
    const vault = createVault({ secret: randomBytes(32), store: secrets, events: warden.events })
    const actor: Actor = {
      type: 'key',
      id: `key_admin_${randomBytes(6).toString('hex')}`,
      address: '10.0.0.1',
    }
    const owner = uniqueOwner('audit')
    const hashOf = async (id: string) => (await keys.getKeyById(id))?.hash as string

    const created = await warden.keys.create(
      { name: 'cycle', ownerId: owner, scopes: ['a:read'], metadata: { team: 'x' } },
      { actor, requestId: 'req-cycle-1' },
    )
    const id = created.record.id
    const secretsToHide = [created.key, await hashOf(id)]
    expect((await warden.keys.verify(created.key)).valid).toBe(true)
    await warden.keys.update(id, { name: 'cycle 2', scopes: ['a:read', 'a:write'] }, { actor })
    const rolled = await warden.keys.roll(id, { expireOldInMs: 60_000, actor })
    secretsToHide.push(rolled.key, await hashOf(rolled.record.id))
    await warden.keys.revoke(rolled.record.id, { actor })
    await warden.keys.delete(id, { actor })

    const mine = vault.for({ userId: owner })
    const providerKey = `sk-proj-${randomBytes(30).toString('base64url')}`
    await mine.set('openai', providerKey, { actor })
    const stored = await secrets.getSecret(`user:${owner}`, 'openai')
    secretsToHide.push(providerKey, stored?.ciphertext as string)
    expect(await mine.get('openai')).toBe(providerKey)
    await vault.rotate({ actor })
    await mine.delete('openai', { actor })

    const log = await listAll(keys, { actorId: actor.id })
    expect(log.map((e) => e.action)).toEqual([
      'secret.deleted',
      'vault.rotated',
      'secret.put',
      'key.deleted',
      'key.revoked',
      'key.rolled',
      'key.updated',
      'key.created',
    ])
    expect(log.at(-1)).toMatchObject({
      actor,
      requestId: 'req-cycle-1',
      target: { type: 'key', id },
      ownerId: owner,
    })
    expect(log.at(-2)?.fields).toEqual(['name', 'scopes'])
    // Append-only: the deleted key's history is all still there.
    const history = await listAll(keys, { targetId: id })
    expect(history.map((e) => e.action)).toEqual(['key.deleted', 'key.rolled', 'key.updated', 'key.created'])
    expect((await listAll(keys, { ownerId: owner, action: 'secret.put' })).map((e) => e.target.id)).toEqual([
      `user:${owner}/openai`,
    ])

    const everything = JSON.stringify(await listAll(keys, {}))
    for (const secret of secretsToHide) {
      expect(secret.length).toBeGreaterThan(20)
      expect(everything.includes(secret), 'a secret value reached the audit log').toBe(false)
    }
  })
}
