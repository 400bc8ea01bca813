import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/keys/keywarden.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { countingStore, makeStoredKey } from '../packages/keywarden/src/testing/index.js'
import { type RedisServer, startRedisServer } from './support/redis-servers.js'
import { uniqueName } from './support/services.js'

const run = promisify(execFile)

async function keyspaceHits(port: number): Promise<number> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'INFO', 'stats'])
  return Number(/keyspace_hits:(\d+)/.exec(stdout)?.[1] ?? Number.NaN)
}

describe('cachedStore while its Redis tier is killed and restarted', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('5,000 verifications: none throws, none is a false accept, and the tier is used again after the restart', async () => {
    let t = Date.UTC(2030, 0, 1)
    const errors: unknown[] = []
    const primary = countingStore(memoryStore())
    const cache = redisStore({ url: server.url, namespace: uniqueName('kwfault') })
    // local.max = 1: nearly every lookup misses the in-process tier and goes to Redis.
    const store = cachedStore({
      primary,
      cache,
      local: { max: 1 },
      ttlMs: 3_600_000,
      staleMs: 0,
      now: () => t,
      onError: (e) => errors.push(e),
    })
    const warden = createKeywarden({ store, prefix: 'f', lastUsed: false, now: () => new Date(t) })
    const valid = new Map<string, string>() // key -> id
    for (let i = 0; i < 150; i++) {
      const { key, record } = await warden.keys.create({ name: `k${i}` })
      valid.set(key, record.id)
    }
    const all = [...valid.keys()]
    const revoked = new Set<string>()
    const revoke = async (count: number) => {
      for (const key of [...valid.keys()].slice(0, count)) {
        await warden.keys.revoke(valid.get(key) as string)
        valid.delete(key)
        revoked.add(key)
      }
    }
    await revoke(30) // revoked before anything is cached
    const other = createKeywarden({ store: memoryStore(), prefix: 'f', lastUsed: false })
    const unknown = (await other.keys.create({ name: 'x' })).key
    all.push(unknown)

    let thrown = 0
    let falseAccepts = 0
    let falseRejects = 0
    for (let i = 0; i < 5000; i++) {
      if (i === 1000) {
        expect(await keyspaceHits(server.port)).toBeGreaterThan(500) // the tier was serving reads
        await server.kill()
      }
      if (i === 2000) await revoke(20) // revoked while the tier is down: its copies must not come back
      if (i === 3000) await server.start()
      const key = all[(i * 7) % all.length] as string
      try {
        const result = await warden.keys.verify(key)
        if (result.valid && !valid.has(key)) falseAccepts++
        if (!result.valid && valid.has(key)) falseRejects++
      } catch {
        thrown++
      }
      t += 10
    }
    expect({ thrown, falseAccepts, falseRejects }).toEqual({ thrown: 0, falseAccepts: 0, falseRejects: 0 })
    expect(errors.length).toBeGreaterThan(0) // the outage was seen, and reported

    // The tier is back: two passes over the valid keys; the second must not reach the primary.
    const hitsBefore = await keyspaceHits(server.port)
    const deadline = Date.now() + 10_000
    let primaryReads = -1
    while (primaryReads !== 0 && Date.now() < deadline) {
      for (const key of valid.keys()) await warden.keys.verify(key)
      primary.resetCalls()
      for (const key of valid.keys()) expect((await warden.keys.verify(key)).valid).toBe(true)
      primaryReads = primary.calls.getKeyByHash ?? 0
      t += 1000
      if (primaryReads !== 0) await new Promise((r) => setTimeout(r, 100)) // ioredis reconnecting
    }
    expect(primaryReads).toBe(0)
    expect(await keyspaceHits(server.port)).toBeGreaterThan(hitsBefore)
    for (const key of revoked) expect((await warden.keys.verify(key)).valid).toBe(false)
    await warden.close()
  })

  it('subscribes to invalidations once Redis comes up, even when it was down at start', async () => {
    const late = await startRedisServer()
    try {
      await late.kill()
      const primary = memoryStore()
      const channel = `${uniqueName('kwlate')}:invalidate`
      const make = () =>
        cachedStore({
          primary,
          ttlMs: 3_600_000,
          invalidation: { redis: late.url, channel },
          onError: () => {},
        })
      const a = make()
      const b = make()
      await expect(a.ready()).rejects.toThrow(/cannot connect to Redis/)
      await b.ready().catch(() => {})
      const key = makeStoredKey({ name: 'n0' })
      await a.createKey(key)
      expect((await a.getKeyByHash(key.hash))?.name).toBe('n0')
      await late.start()
      // b renames until a drops its cached copy: that needs both to have (re)subscribed.
      const deadline = Date.now() + 10_000
      let round = 0
      let seen = 'n0'
      while (Date.now() < deadline) {
        round++
        await b.updateKey(key.id, { name: `n${round}`, updatedAt: new Date() })
        await new Promise((r) => setTimeout(r, 50))
        seen = (await a.getKeyByHash(key.hash))?.name ?? ''
        if (seen === `n${round}`) break
      }
      expect(seen).toBe(`n${round}`)
      await Promise.all([a.close(), b.close()])
    } finally {
      await late.stop()
    }
  })
})
