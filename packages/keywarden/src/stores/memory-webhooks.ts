import { ConflictError } from '../errors.js'
import { pageInMemory } from './cursor.js'
import type { Page } from './types.js'

export type { WebhookStore } from './webhook-types.js'

import type {
  DeliveryAttempt,
  PageQuery,
  StoredWebhook,
  WebhookDelivery,
  WebhookStore,
} from './webhook-types.js'

/** Newest first by (time, id), a page at a time. */
export function pageOf<T>(
  items: T[],
  time: (item: T) => Date,
  id: (item: T) => string,
  query: PageQuery,
): Page<T> {
  const page = pageInMemory(items, (item) => ({ createdAt: time(item).getTime(), id: id(item) }), query)
  return { ...page, items: page.items.map((item) => structuredClone(item)) }
}

/** memoryStore's webhooks: endpoints, outbox and delivery log in Maps, copied in and out. */
export function memoryWebhooks(): WebhookStore {
  const webhooks = new Map<string, StoredWebhook>()
  const deliveries = new Map<string, WebhookDelivery>()
  const leases = new Map<string, { owner: string; until: number }>()
  const attempts: DeliveryAttempt[] = []
  const copy = structuredClone

  return {
    async createWebhook(webhook) {
      if (webhooks.has(webhook.id))
        throw new ConflictError(`a webhook with id "${webhook.id}" exists already`)
      webhooks.set(webhook.id, copy(webhook))
    },

    async getWebhook(id) {
      const found = webhooks.get(id)
      return found ? copy(found) : null
    },

    async listWebhooks(query) {
      return pageOf(
        [...webhooks.values()],
        (w) => w.createdAt,
        (w) => w.id,
        query,
      )
    },

    async updateWebhook(id, patch) {
      const found = webhooks.get(id)
      if (!found) return null
      const updated = { ...found, ...copy(patch) }
      webhooks.set(id, updated)
      return copy(updated)
    },

    async deleteWebhook(id) {
      if (!webhooks.delete(id)) return false
      for (const [key, delivery] of deliveries) if (delivery.endpointId === id) deliveries.delete(key)
      for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]?.endpointId === id) attempts.splice(i, 1)
      return true
    },

    async enqueueDeliveries(entries) {
      for (const entry of entries) if (!deliveries.has(entry.id)) deliveries.set(entry.id, copy(entry))
    },

    async getDelivery(id) {
      const found = deliveries.get(id)
      return found ? copy(found) : null
    },

    async leaseDeliveries({ now, leaseMs, owner, limit }) {
      const at = now.getTime()
      const due = [...deliveries.values()]
        .filter(
          (d) => d.status === 'pending' && d.nextAt.getTime() <= at && (leases.get(d.id)?.until ?? 0) <= at,
        )
        .sort((a, b) => a.nextAt.getTime() - b.nextAt.getTime() || (a.id < b.id ? -1 : 1))
        .slice(0, limit)
      for (const d of due) leases.set(d.id, { owner, until: at + leaseMs })
      return due.map((d) => copy(d))
    },

    async finishAttempt(id, owner, { attempt, status, nextAt, retry }) {
      const found = deliveries.get(id)
      if (!found || leases.get(id)?.owner !== owner) return false
      leases.delete(id)
      deliveries.set(id, {
        ...found,
        status,
        nextAt: new Date(nextAt),
        retry,
        attempts: found.attempts + 1,
        updatedAt: new Date(attempt.at),
      })
      attempts.push(copy(attempt))
      return true
    },

    async requeueDelivery(id, at) {
      const found = deliveries.get(id)
      if (!found) return null
      const requeued: WebhookDelivery = {
        ...found,
        status: 'pending',
        nextAt: new Date(at),
        retry: 0,
        updatedAt: new Date(at),
      }
      deliveries.set(id, requeued)
      return copy(requeued)
    },

    async listAttempts(endpointId, query) {
      return pageOf(
        attempts.filter((a) => a.endpointId === endpointId),
        (a) => a.at,
        (a) => a.id,
        query,
      )
    },
  }
}
