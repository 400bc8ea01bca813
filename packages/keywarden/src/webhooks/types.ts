import type { EventHub } from '../events/hub.js'
import type { ChangeContext } from '../events/types.js'
import type { SecretInput } from '../secrets/strength.js'
import type { Page } from '../stores/types.js'
import type { DeliveryAttempt, WebhookDelivery } from '../stores/webhook-types.js'
import type { Keyring } from '../vault/cipher.js'
import type { HostLookup } from './url.js'

/** The event types an endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.updated',
  'key.revoked',
  'key.rolled',
  'key.deleted',
  'key.expiring',
  'key.expired',
  'key.usage_exceeded',
  'key.credits_low',
  'key.leaked',
  'secret.put',
  'secret.deleted',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** Default retry delays after each failed attempt: 6 attempts over about 1 h 13 min. */
export const DEFAULT_RETRY_SCHEDULE_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000] as const

/** An endpoint as callers see it: never its secret. */
export interface WebhookEndpoint {
  id: string
  url: string
  description: string | null
  events: WebhookEventType[]
  createdAt: Date
  updatedAt: Date
}

/** What create answers: the endpoint and its `whsec_…` secret, shown this once. */
export interface CreatedWebhook {
  endpoint: WebhookEndpoint
  secret: string
}

export interface CreateWebhookInput {
  url: string
  events: WebhookEventType[]
  description?: string | null
}

export type UpdateWebhookInput = Partial<CreateWebhookInput>

/** The body every delivery POSTs (JSON). `data` holds public fields only. */
export interface WebhookPayload {
  type: WebhookEventType
  /** ISO 8601 time of the event. */
  timestamp: string
  data: Record<string, unknown>
}

export interface WebhooksOptions {
  /** Where endpoints, the outbox and the delivery log live: memoryStore, sqlStore or redisStore (or a cachedStore over one). */
  store: unknown
  /** The hub whose events are delivered (`warden.events`); without it nothing is enqueued. */
  events?: EventHub
  /** Encrypts the endpoint secrets at rest (≥ 32 bytes), or a keyring. */
  secret?: SecretInput
  keyring?: Keyring
  /** Delays after each failed attempt; its length + 1 attempts in all. Default DEFAULT_RETRY_SCHEDULE_MS. */
  retryScheduleMs?: readonly number[]
  /** Allow private, loopback and link-local targets (tests, internal networks). Default false. */
  allowPrivate?: boolean
  fetch?: typeof fetch
  now?: () => Date
  /** Failures of the worker and the enqueue; the default writes one line with console.warn. */
  onError?: (error: unknown) => void
  /** Resolves host names for the private-address check. Default dns.lookup. */
  lookup?: HostLookup
  /** How often the worker looks for due entries. Default 1000 ms. */
  pollIntervalMs?: number
  /** One request's time limit. Default 10 000 ms. */
  timeoutMs?: number
  /** How long a worker holds a leased entry. Default 60 000 ms (more than timeoutMs). */
  leaseMs?: number
  /** Entries leased per round. Default 20. */
  batchSize?: number
}

export interface ListQuery {
  limit?: number
  cursor?: string | null
}

/** Webhook endpoints, their outbox and delivery log, and the worker that delivers. */
export interface Webhooks {
  /**
   * Adds an endpoint; the answer holds its `whsec_…` secret, which is never shown again.
   * @throws ValidationError for a bad url (naming `url`), events or description.
   */
  create(input: CreateWebhookInput, context?: ChangeContext): Promise<CreatedWebhook>
  /** @throws NotFoundError when there is no such endpoint. */
  get(id: string): Promise<WebhookEndpoint>
  /** Newest first. @throws ValidationError for a bad limit or cursor. */
  list(query?: ListQuery): Promise<Page<WebhookEndpoint>>
  /** @throws NotFoundError, ValidationError. */
  update(id: string, input: UpdateWebhookInput, context?: ChangeContext): Promise<WebhookEndpoint>
  /** Deletes the endpoint with its pending deliveries and log. @throws NotFoundError. */
  delete(id: string, context?: ChangeContext): Promise<void>
  /** The endpoint's delivery log (attempts), newest first. @throws NotFoundError, ValidationError. */
  deliveries(endpointId: string, query?: ListQuery): Promise<Page<DeliveryAttempt>>
  /** One outbox entry. @throws NotFoundError. */
  delivery(id: string): Promise<WebhookDelivery>
  /** Queues a delivery again now, with a fresh retry schedule. @throws NotFoundError. */
  redeliver(deliveryId: string): Promise<WebhookDelivery>
  /** Writes one outbox entry per endpoint subscribed to the event; the hub listener calls it. */
  enqueue(event: import('../events/types.js').KeywardenEvent): Promise<number>
  /** One round of the worker: leases due entries, POSTs them, records each attempt. Returns the attempts made. */
  runOnce(): Promise<number>
  /** Runs the worker every pollIntervalMs (and soon after each enqueue) until stop(). */
  start(): void
  /** Stops the worker and waits for the attempts in flight. */
  stop(): Promise<void>
  /** stop() and stop listening to the hub. */
  close(): Promise<void>
}
