import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConflictError, ValidationError } from '../errors.js'
import type { AuditEntry } from '../events/types.js'
import type { AuditQuery, AuditStore } from '../stores/audit-types.js'
import { makeAuditEntry } from './audit-fixtures.js'
import { listAll } from './audit-list.js'
import { auditCycleContract } from './describe-audit-cycle.js'
import type { DescribeStoreOptions } from './describe-key-store.js'

export type DescribeAuditStoreOptions = DescribeStoreOptions

const ids = (entries: AuditEntry[]) => entries.map((e) => e.id)

/** Newest first by (at, id), the order every store lists in. */
function newestFirst(entries: AuditEntry[]): AuditEntry[] {
  return [...entries].sort(
    (a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  )
}

/**
 * The contract every AuditStore must pass: `describeAuditStore('postgres', () => sqlStore({ url }))`.
 * Append-only, newest first by (at, id) with stable cursors, every filter, ConflictError on a
 * duplicate id, concurrent appends; and, when the store is also a KeyStore, a whole warden + vault
 * cycle whose log holds no key, hash or provider key.
 */
export function describeAuditStore(
  name: string,
  factory: () => AuditStore | Promise<AuditStore>,
  options: DescribeAuditStoreOptions = {},
): void {
  const { skip = false, concurrency = 200, cleanup } = options
  const suite = skip ? describe.skip : describe
  if (skip) console.warn(`[keywarden] skipping AuditStore contract "${name}": ${skip}`)

  suite(`AuditStore contract: ${name}`, () => {
    let store: AuditStore
    beforeAll(async () => {
      store = await factory()
    })
    afterAll(async () => {
      await (store as { close?: () => Promise<void> })?.close?.()
      await cleanup?.()
    })

    it('appends an entry and lists it back with every field intact', async () => {
      const full = makeAuditEntry({ at: new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 123)) })
      const bare = makeAuditEntry({ actor: { type: 'system' }, target: full.target, at: new Date(full.at) })
      delete bare.fields
      delete bare.requestId
      delete bare.ownerId
      delete bare.detail
      const unicode = makeAuditEntry({
        target: { type: 'secret', id: `user:O'Brien "x" 🔑/${full.target.id}` },
        actor: { type: 'session', id: 'ключ_1' },
        fields: ['név'],
      })
      for (const entry of [full, bare, unicode]) await store.appendAudit(entry)
      const listed = await store.listAudit({ targetId: full.target.id, limit: 10 })
      expect(listed.items).toEqual(newestFirst([full, bare]))
      expect(listed.items[0]?.at).toBeInstanceOf(Date)
      expect(listed.nextCursor).toBeNull()
      expect((await store.listAudit({ targetId: unicode.target.id, limit: 10 })).items).toEqual([unicode])
      // An owner of null is kept as no owner: SQL cannot tell them apart.
      const ownerless = makeAuditEntry({ ownerId: null })
      await store.appendAudit(ownerless)
      const [read] = (await store.listAudit({ targetId: ownerless.target.id, limit: 1 })).items
      expect(read?.ownerId ?? null).toBeNull()
    })

    it('refuses a duplicate id with ConflictError and keeps the first entry', async () => {
      const first = makeAuditEntry()
      await store.appendAudit(first)
      const again = { ...first, action: 'key.deleted' as const, at: new Date(first.at.getTime() + 5) }
      await expect(store.appendAudit(again)).rejects.toBeInstanceOf(ConflictError)
      expect((await store.listAudit({ targetId: first.target.id, limit: 10 })).items).toEqual([first])
      const elsewhere = makeAuditEntry({ id: first.id })
      await expect(store.appendAudit(elsewhere)).rejects.toBeInstanceOf(ConflictError)
      expect((await store.listAudit({ targetId: elsewhere.target.id, limit: 10 })).items).toEqual([])
      expect((await store.listAudit({ actorId: elsewhere.actor.id as string, limit: 10 })).items).toEqual([])
    })

    it('refuses a malformed entry with ValidationError', async () => {
      const bad = [
        makeAuditEntry({ at: new Date(Number.NaN) }),
        makeAuditEntry({ action: 'key.exploded' as never }),
        makeAuditEntry({ actor: { type: 'root' } as never }),
        makeAuditEntry({ target: { type: 'key', id: '' } }),
        makeAuditEntry({ id: 'x'.repeat(129) }),
      ]
      for (const entry of bad) await expect(store.appendAudit(entry)).rejects.toBeInstanceOf(ValidationError)
    })

    it('filters by target, action, actor, owner and time, alone and together', async () => {
      const base = Date.UTC(2032, 0, 1)
      const owner = `owner-${randomBytes(6).toString('hex')}`
      const actors = [`key_a_${randomBytes(4).toString('hex')}`, `key_b_${randomBytes(4).toString('hex')}`]
      const targets = [`key_t1_${randomBytes(4).toString('hex')}`, `key_t2_${randomBytes(4).toString('hex')}`]
      const actions = ['key.created', 'key.updated', 'key.revoked'] as const
      const entries = Array.from({ length: 24 }, (_, i) =>
        makeAuditEntry({
          at: new Date(base + Math.floor(i / 2) * 1000),
          action: actions[i % 3],
          actor: { type: 'key', id: actors[i % 2] as string },
          target: { type: 'key', id: targets[Math.floor(i / 12)] as string },
          ownerId: i % 4 === 3 ? `${owner}-other` : owner,
        }),
      )
      await Promise.all(entries.map((e) => store.appendAudit(e)))
      const expectFilter = async (query: Omit<AuditQuery, 'limit'>, keep: (e: AuditEntry) => boolean) => {
        const expected = newestFirst(entries.filter(keep))
        expect(ids(await listAll(store, query, 5)), JSON.stringify(query)).toEqual(ids(expected))
      }
      const mine = (e: AuditEntry) => targets.includes(e.target.id)
      await expectFilter({ targetId: targets[0] }, (e) => e.target.id === targets[0])
      await expectFilter({ actorId: actors[1] }, (e) => e.actor.id === actors[1])
      await expectFilter({ ownerId: owner }, (e) => e.ownerId === owner)
      await expectFilter(
        { ownerId: owner, action: 'key.revoked' },
        (e) => e.ownerId === owner && e.action === 'key.revoked',
      )
      await expectFilter(
        { targetId: targets[1], actorId: actors[0], action: 'key.created' },
        (e) => e.target.id === targets[1] && e.actor.id === actors[0] && e.action === 'key.created',
      )
      const from = new Date(base + 3000)
      const to = new Date(base + 9000)
      await expectFilter(
        { actorId: actors[0], from, to },
        (e) => e.actor.id === actors[0] && e.at >= from && e.at < to,
      )
      await expectFilter({ ownerId: owner, from }, (e) => e.ownerId === owner && e.at >= from)
      await expectFilter(
        { targetId: targets[0], to },
        (e) => mine(e) && e.target.id === targets[0] && e.at < to,
      )
      expect((await store.listAudit({ targetId: targets[0], from: to, to: from, limit: 10 })).items).toEqual(
        [],
      )
    })

    it('pages newest first with no duplicate and no miss while entries are appended between pages', async () => {
      const target = `key_paged_${randomBytes(6).toString('hex')}`
      const base = Date.now() - 60_000
      // Several entries share a millisecond: the id breaks the tie.
      const initial = Array.from({ length: 23 }, (_, i) =>
        makeAuditEntry({ target: { type: 'key', id: target }, at: new Date(base + Math.floor(i / 4)) }),
      )
      for (const entry of initial) await store.appendAudit(entry)
      const seen: AuditEntry[] = []
      let cursor: string | null = null
      let extra = 0
      do {
        const page = await store.listAudit({ targetId: target, limit: 4, cursor })
        seen.push(...page.items)
        cursor = page.nextCursor
        // Newer entries arriving meanwhile belong before the first page, not in later ones.
        await store.appendAudit(makeAuditEntry({ target: { type: 'key', id: target }, at: new Date() }))
        extra++
      } while (cursor)
      expect(ids(seen)).toEqual(ids(newestFirst(initial)))
      expect(new Set(ids(seen)).size).toBe(initial.length)
      expect(await listAll(store, { targetId: target }, 7)).toHaveLength(initial.length + extra)
      await expect(store.listAudit({ targetId: target, limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow(
        ValidationError,
      )
    })

    it(`keeps every one of ${concurrency} concurrent appends, ids unique`, async () => {
      const owner = `owner-burst-${randomBytes(6).toString('hex')}`
      const at = new Date()
      const entries = Array.from({ length: concurrency }, () => makeAuditEntry({ ownerId: owner, at }))
      await Promise.all(entries.map((e) => store.appendAudit(e)))
      const listed = await listAll(store, { ownerId: owner }, 37)
      expect(new Set(ids(listed)).size).toBe(concurrency)
      expect(ids(listed).sort()).toEqual(ids(entries).sort())
      const racing = makeAuditEntry({ ownerId: owner })
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.appendAudit(racing)))
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError)
    })

    auditCycleContract(() => store)
  })
}
