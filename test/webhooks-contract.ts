import { afterAll, describe, expect, it } from 'vitest'
import type { WebhookDelivery, WebhookStore } from '../packages/keywarden/src/webhooks/index.js'

type Store = WebhookStore & { close(): Promise<void> }

const T0 = Date.UTC(2026, 11, 1, 12)

function delivery(id: string, endpointId: string, at = T0): WebhookDelivery {
  return {
    id,
    endpointId,
    eventId: `evt_${id}`,
    eventType: 'key.created',
    payload: JSON.stringify({ type: 'key.created', timestamp: new Date(at).toISOString(), data: { n: id } }),
    status: 'pending',
    attempts: 0,
    retry: 0,
    nextAt: new Date(at),
    createdAt: new Date(at),
    updatedAt: new Date(at),
  }
}

function webhook(id: string, at = T0) {
  return {
    id,
    url: 'https://hooks.example/x',
    description: null,
    events: ['key.created'],
    secretCiphertext: 'kw1.k1.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbb',
    createdAt: new Date(at),
    updatedAt: new Date(at),
  }
}

function attemptFor(d: WebhookDelivery, n: number, ok: boolean, at: number) {
  return {
    id: `wha_${d.id}_${n}`,
    deliveryId: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    attempt: n,
    responseStatus: ok ? 200 : 500,
    ok,
    error: null,
    durationMs: 12,
    at: new Date(at),
  }
}

/**
 * The WebhookStore contract: endpoints CRUD, the outbox, leases (one holder at a time, also with
 * many concurrent callers on separate connections), attempts and the delivery log.
 */
export function describeWebhookStore(
  name: string,
  make: () => Store | Promise<Store>,
  options: { skip?: string | false; cleanup?: () => Promise<void>; connections?: number } = {},
) {
  describe.skipIf(Boolean(options.skip))(`WebhookStore contract: ${name}`, () => {
    const opened: Store[] = []
    const open = async () => {
      const store = await make()
      opened.push(store)
      return store
    }
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()))
      await options.cleanup?.()
    })

    it('creates, reads, lists, updates and deletes endpoints', async () => {
      const store = await open()
      await store.createWebhook(webhook('wh_a', T0))
      await store.createWebhook(webhook('wh_b', T0 + 1))
      await store.createWebhook(webhook('wh_c', T0 + 1))
      await expect(store.createWebhook(webhook('wh_a'))).rejects.toMatchObject({ code: 'ERR_CONFLICT' })
      expect(await store.getWebhook('wh_a')).toEqual(webhook('wh_a', T0))
      expect(await store.getWebhook('wh_none')).toBeNull()
      const first = await store.listWebhooks({ limit: 2 })
      expect(first.items.map((w) => w.id)).toEqual(['wh_c', 'wh_b'])
      const second = await store.listWebhooks({ limit: 2, cursor: first.nextCursor })
      expect(second.items.map((w) => w.id)).toEqual(['wh_a'])
      expect(second.nextCursor).toBeNull()
      const updated = await store.updateWebhook('wh_a', {
        events: ['key.revoked', 'key.deleted'],
        description: 'ops',
        updatedAt: new Date(T0 + 5),
      })
      expect(updated).toMatchObject({ events: ['key.revoked', 'key.deleted'], description: 'ops' })
      expect(updated?.updatedAt.getTime()).toBe(T0 + 5)
      expect(await store.updateWebhook('wh_none', { description: 'x' })).toBeNull()
      for (const id of ['wh_a', 'wh_b', 'wh_c']) expect(await store.deleteWebhook(id)).toBe(true)
      expect(await store.deleteWebhook('wh_a')).toBe(false)
      expect((await store.listWebhooks({ limit: 10 })).items).toEqual([])
    })

    it('leases due entries to one owner, records attempts only under the lease, and requeues', async () => {
      const store = await open()
      await store.createWebhook(webhook('wh_l'))
      const d1 = delivery('whd_l1', 'wh_l', T0)
      const d2 = delivery('whd_l2', 'wh_l', T0 + 10_000)
      await store.enqueueDeliveries([d1, d2])
      await store.enqueueDeliveries([d1]) // a duplicate id is skipped
      expect(await store.getDelivery('whd_l1')).toEqual(d1)
      const now = new Date(T0 + 1)
      const leased = await store.leaseDeliveries({ now, leaseMs: 1000, owner: 'A', limit: 10 })
      expect(leased.map((d) => d.id)).toEqual(['whd_l1'])
      expect(await store.leaseDeliveries({ now, leaseMs: 1000, owner: 'B', limit: 10 })).toEqual([])
      // The lease ends: another worker takes it, and the first one's result is refused.
      const later = new Date(T0 + 2000)
      expect(
        (await store.leaseDeliveries({ now: later, leaseMs: 1000, owner: 'B', limit: 10 })).map((d) => d.id),
      ).toEqual(['whd_l1'])
      const failed = attemptFor(d1, 1, false, T0 + 2000)
      const next = { status: 'pending' as const, nextAt: new Date(T0 + 3000), retry: 1 }
      expect(await store.finishAttempt('whd_l1', 'A', { attempt: failed, ...next })).toBe(false)
      expect(await store.finishAttempt('whd_l1', 'B', { attempt: failed, ...next })).toBe(true)
      expect(await store.getDelivery('whd_l1')).toMatchObject({ status: 'pending', attempts: 1, retry: 1 })
      expect(
        await store.leaseDeliveries({ now: new Date(T0 + 2999), leaseMs: 1000, owner: 'C', limit: 10 }),
      ).toEqual([])
      const again = await store.leaseDeliveries({
        now: new Date(T0 + 3000),
        leaseMs: 1000,
        owner: 'C',
        limit: 10,
      })
      expect(again.map((d) => d.id)).toEqual(['whd_l1'])
      const ok = attemptFor(d1, 2, true, T0 + 3000)
      expect(
        await store.finishAttempt('whd_l1', 'C', {
          attempt: ok,
          status: 'delivered',
          nextAt: new Date(T0 + 3000),
          retry: 1,
        }),
      ).toBe(true)
      expect(
        await store.leaseDeliveries({ now: new Date(T0 + 5000), leaseMs: 1000, owner: 'D', limit: 10 }),
      ).toEqual([])
      const log = await store.listAttempts('wh_l', { limit: 1 })
      expect(log.items).toEqual([ok])
      expect((await store.listAttempts('wh_l', { limit: 5, cursor: log.nextCursor })).items).toEqual([failed])
      const requeued = await store.requeueDelivery('whd_l1', new Date(T0 + 6000))
      expect(requeued).toMatchObject({ status: 'pending', retry: 0, attempts: 2 })
      expect(await store.requeueDelivery('whd_none', new Date())).toBeNull()
      const due = await store.leaseDeliveries({
        now: new Date(T0 + 20_000),
        leaseMs: 1000,
        owner: 'E',
        limit: 10,
      })
      expect(due.map((d) => d.id)).toEqual(['whd_l1', 'whd_l2'])
      expect(await store.deleteWebhook('wh_l')).toBe(true)
      expect(await store.getDelivery('whd_l1')).toBeNull()
      expect((await store.listAttempts('wh_l', { limit: 5 })).items).toEqual([])
    })

    it('gives each due entry to exactly one of many concurrent lessees', async () => {
      // SQLite in one process: one connection (a second would block the event loop on busy_timeout).
      const stores = await Promise.all(Array.from({ length: options.connections ?? 6 }, () => open()))
      const [first] = stores as [Store]
      await first.createWebhook(webhook('wh_c1'))
      const entries = Array.from({ length: 60 }, (_, i) =>
        delivery(`whd_c${String(i).padStart(2, '0')}`, 'wh_c1', T0 + i),
      )
      await first.enqueueDeliveries(entries)
      const now = new Date(T0 + 1000)
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          (stores[i % stores.length] as Store).leaseDeliveries({
            now,
            leaseMs: 60_000,
            owner: `w${i}`,
            limit: 4,
          }),
        ),
      )
      const ids = results.flat().map((d) => d.id)
      expect(ids.length).toBe(new Set(ids).size)
      const rest = await first.leaseDeliveries({ now, leaseMs: 60_000, owner: 'last', limit: 100 })
      expect(ids.length + rest.length).toBe(60)
      expect(await first.deleteWebhook('wh_c1')).toBe(true)
    })
  })
}
