import { ConfigError, describeError, NotFoundError } from '../errors.js'
import { changeContext } from '../events/hub.js'
import type { KeywardenEvent } from '../events/types.js'
import { hasMethods } from '../stores/types.js'
import { type StoredWebhook, WEBHOOK_STORE_METHODS, type WebhookStore } from '../stores/webhook-types.js'
import { createCipher } from '../vault/cipher.js'
import {
  checkDescription,
  checkEvents,
  checkId,
  checkPage,
  checkSchedule,
  newId,
  payloadOf,
  publicEndpoint,
} from './input.js'
import { generateWebhookSecret } from './sign.js'
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type Webhooks,
  type WebhooksOptions,
} from './types.js'
import { checkWebhookUrl } from './url.js'
import { createWorker } from './worker.js'

const DELIVERED = new Set<string>(WEBHOOK_EVENT_TYPES)
const aad = (id: string) => `kw1|webhook|${id}`

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer`)
  return value
}

/**
 * Signed webhooks (Standard Webhooks) with a durable outbox in the store: endpoints, a listener on
 * the hub that writes one outbox entry per subscribed endpoint, and a worker that delivers them
 * at least once with back-off. Several processes on one store share the work: each attempt is
 * leased to one of them.
 * @throws ConfigError when the store keeps no webhooks, the secret is weak or an option is invalid.
 * @example
 * const webhooks = createWebhooks({ store, events: warden.events, secret: process.env.KEYWARDEN_SECRET })
 * const { endpoint, secret } = await webhooks.create({ url: 'https://example.com/hooks', events: ['key.created'] })
 * webhooks.start()
 */
export function createWebhooks(options: WebhooksOptions): Webhooks {
  if (!options || typeof options !== 'object')
    throw new ConfigError('createWebhooks needs options { store, secret }')
  if (!hasMethods(options.store, WEBHOOK_STORE_METHODS))
    throw new ConfigError('this store keeps no webhooks; use memoryStore, sqlStore or redisStore')
  const store = options.store as WebhookStore
  const cipher = createCipher({ secret: options.secret, keyring: options.keyring })
  const {
    allowPrivate = false,
    lookup,
    now = () => new Date(),
    events: hub,
    fetch: fetchImpl = globalThis.fetch,
  } = options
  const onError =
    options.onError ?? ((error: unknown) => console.warn(`keywarden: webhooks: ${describeError(error)}`))
  const schedule = checkSchedule(options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS)
  const timeoutMs = positive(options.timeoutMs, 10_000, 'timeoutMs')
  const worker = createWorker({
    store,
    secretOf: (id, ciphertext) => cipher.decrypt(ciphertext, aad(id)),
    schedule,
    allowPrivate,
    lookup,
    fetch: fetchImpl,
    now,
    onError,
    pollIntervalMs: positive(options.pollIntervalMs, 1000, 'pollIntervalMs'),
    timeoutMs,
    leaseMs: positive(options.leaseMs, Math.max(60_000, timeoutMs * 2), 'leaseMs'),
    batchSize: positive(options.batchSize, 20, 'batchSize'),
  })

  async function found(id: string): Promise<StoredWebhook> {
    const stored = await store.getWebhook(checkId(id))
    if (!stored) throw new NotFoundError(`no webhook endpoint has id "${id}"; it may have been deleted`)
    return stored
  }

  async function emit(
    type: 'webhook.created' | 'webhook.updated' | 'webhook.deleted',
    endpoint: WebhookEndpoint,
    context: ReturnType<typeof changeContext>,
    fields?: string[],
  ) {
    await hub?.emit({
      type,
      ...context,
      target: { type: 'webhook', id: endpoint.id },
      ...(fields ? { fields } : {}),
      data: { webhook: { ...endpoint } },
    })
  }

  async function enqueue(event: KeywardenEvent): Promise<number> {
    if (!DELIVERED.has(event.type)) return 0
    const at = now()
    const entries = []
    let cursor: string | null = null
    do {
      const page = await store.listWebhooks({ limit: 500, cursor })
      for (const endpoint of page.items) {
        if (!endpoint.events.includes(event.type)) continue
        entries.push({
          id: newId('whd', at.getTime()),
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          payload: payloadOf(event),
          status: 'pending' as const,
          attempts: 0,
          retry: 0,
          nextAt: at,
          createdAt: at,
          updatedAt: at,
        })
      }
      cursor = page.nextCursor
    } while (cursor)
    if (entries.length > 0) {
      await store.enqueueDeliveries(entries)
      worker.kick()
    }
    return entries.length
  }

  const unsubscribe = hub?.subscribe(async (event) => {
    await enqueue(event)
  })

  return {
    async create(input, context) {
      const ctx = changeContext(context)
      const { url, events, description } = (input ?? {}) as Partial<typeof input>
      const checked = await checkWebhookUrl(url, { allowPrivate, lookup })
      const at = now()
      const id = newId('wh', at.getTime())
      const secret = generateWebhookSecret()
      const stored: StoredWebhook = {
        id,
        url: checked.href,
        description: checkDescription(description),
        events: checkEvents(events),
        secretCiphertext: cipher.encrypt(secret, aad(id)),
        createdAt: at,
        updatedAt: at,
      }
      await store.createWebhook(stored)
      const endpoint = publicEndpoint(stored)
      await emit('webhook.created', endpoint, ctx)
      return { endpoint, secret }
    },

    async get(id) {
      return publicEndpoint(await found(id))
    },

    async list(query) {
      const page = await store.listWebhooks(checkPage(query))
      return { items: page.items.map(publicEndpoint), nextCursor: page.nextCursor }
    },

    async update(id, input, context) {
      const ctx = changeContext(context)
      await found(id)
      const { url, events, description } = (input ?? {}) as Partial<typeof input>
      const patch: Parameters<WebhookStore['updateWebhook']>[1] = { updatedAt: now() }
      if (url !== undefined) patch.url = (await checkWebhookUrl(url, { allowPrivate, lookup })).href
      if (events !== undefined) patch.events = checkEvents(events)
      if (description !== undefined) patch.description = checkDescription(description)
      const updated = await store.updateWebhook(id, patch)
      if (!updated) throw new NotFoundError(`no webhook endpoint has id "${id}"; it may have been deleted`)
      const endpoint = publicEndpoint(updated)
      const fields = Object.keys(patch)
        .filter((f) => f !== 'updatedAt')
        .sort()
      await emit('webhook.updated', endpoint, ctx, fields)
      return endpoint
    },

    async delete(id, context) {
      const ctx = changeContext(context)
      const stored = await found(id)
      if (!(await store.deleteWebhook(id)))
        throw new NotFoundError(`no webhook endpoint has id "${id}"; it may have been deleted`)
      await emit('webhook.deleted', publicEndpoint(stored), ctx)
    },

    async deliveries(endpointId, query) {
      const page = checkPage(query)
      await found(endpointId)
      return store.listAttempts(endpointId, page)
    },

    async delivery(id) {
      const delivery = await store.getDelivery(checkId(id))
      if (!delivery) throw new NotFoundError(`no webhook delivery has id "${id}"`)
      return delivery
    },

    async redeliver(deliveryId) {
      const requeued = await store.requeueDelivery(checkId(deliveryId), now())
      if (!requeued) throw new NotFoundError(`no webhook delivery has id "${deliveryId}"`)
      worker.kick()
      return requeued
    },

    enqueue,
    runOnce: worker.runOnce,
    start: worker.start,
    stop: worker.stop,
    async close() {
      unsubscribe?.()
      await worker.stop()
    },
  }
}
