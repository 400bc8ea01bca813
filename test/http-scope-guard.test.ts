import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { apiKeyAuth, requireScopes } from '../packages/keywarden/src/http/hono.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'

describe('scope guards after apiKeyAuth', () => {
  it('apply the warden hierarchy and spend nothing more than the one verification', async () => {
    const warden = createKeywarden({
      store: memoryStore(),
      prefix: 'sg',
      lastUsed: false,
      scopes: { hierarchy: { 'admin:all': ['users:*'] } },
    })
    const admin = await warden.keys.create({ name: 'a', scopes: ['admin:all'], remaining: 5 })
    const reader = await warden.keys.create({ name: 'r', scopes: ['posts:read'], remaining: 5 })
    const app = new Hono()
    app.use('*', apiKeyAuth({ warden }))
    app.delete('/users/:id', requireScopes('users:delete'), (c) => c.json({ ok: true }))
    const call = (key: string) => app.request('/users/1', { method: 'DELETE', headers: { 'x-api-key': key } })

    expect((await call(admin.key)).status).toBe(200)
    expect((await warden.keys.get(admin.record.id))?.remaining).toBe(4)
    const refused = await call(reader.key)
    expect(refused.status).toBe(403)
    expect(JSON.stringify(await refused.json())).toContain('users:delete')
    expect((await warden.keys.get(reader.record.id))?.remaining).toBe(4)
    expect(warden.keys.missingScopes(['admin:all'], ['users:read', 'billing:read'])).toEqual(['billing:read'])
    expect(warden.keys.missingScopes(['admin:all'], ['users:read', 'billing:read'], 'any')).toEqual([])
  })
})
