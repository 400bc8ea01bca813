import type { Page } from './types.js'

/** One webhook endpoint as a store keeps it: the signing secret only encrypted. */
export interface StoredWebhook {
  id: string
  url: string
  description: string | null
  /** The event types delivered to it. */
  events: string[]
  /** The `whsec_…` secret, encrypted (AES-256-GCM, `kw1.…`). */
  secretCiphertext: string
  createdAt: Date
  updatedAt: Date
}

export type WebhookPatch = Partial<Pick<StoredWebhook, 'url' | 'description' | 'events' | 'updatedAt'>>

/** pending: waits for its next attempt; delivered: a 2xx arrived; failed: the schedule ran out. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

/** One outbox entry: one event for one endpoint, attempted until delivered or out of retries. */
export interface WebhookDelivery {
  id: string
  endpointId: string
  /** The event's id: the `webhook-id` header, the same on every attempt. */
  eventId: string
  eventType: string
  /** The request body (JSON text), fixed when the event happened. */
  payload: string
  status: DeliveryStatus
  /** Attempts made so far. */
  attempts: number
  /** The index in the retry schedule of the delay after the next failure. */
  retry: number
  /** When it is due (pending). */
  nextAt: Date
  createdAt: Date
  updatedAt: Date
}

/** One attempt of a delivery: the delivery log. */
export interface DeliveryAttempt {
  id: string
  deliveryId: string
  endpointId: string
  eventId: string
  eventType: string
  /** 1 for the first attempt of the delivery. */
  attempt: number
  /** The receiver's HTTP status; null when no answer came (refused, timed out). */
  responseStatus: number | null
  ok: boolean
  /** Why it failed without an answer; never a secret. */
  error: string | null
  durationMs: number
  at: Date
}

export interface LeaseQuery {
  now: Date
  /** How long the caller may work on the entries before another worker may take them. */
  leaseMs: number
  /** A token unique to this lease; finishAttempt names it. */
  owner: string
  limit: number
}

/** What finishAttempt records: the attempt, and the entry's state after it. */
export interface AttemptOutcome {
  attempt: DeliveryAttempt
  status: DeliveryStatus
  nextAt: Date
  retry: number
}

export interface PageQuery {
  limit: number
  cursor?: string | null
}

/**
 * Webhook endpoints, the durable outbox and the delivery log (memoryStore, sqlStore and
 * redisStore implement it; cachedStore delegates). Entries are leased: one due entry goes to one worker at a time, in
 * every process sharing the store, until it finishes the attempt or the lease ends.
 */
export interface WebhookStore {
  /** ConflictError when the id exists. */
  createWebhook(webhook: StoredWebhook): Promise<void>
  getWebhook(id: string): Promise<StoredWebhook | null>
  /** Newest first by (createdAt, id). */
  listWebhooks(query: PageQuery): Promise<Page<StoredWebhook>>
  updateWebhook(id: string, patch: WebhookPatch): Promise<StoredWebhook | null>
  /** Deletes the endpoint with its outbox entries and attempts; false when there was none. */
  deleteWebhook(id: string): Promise<boolean>
  /** Writes new outbox entries; an entry whose id exists already is skipped. */
  enqueueDeliveries(deliveries: WebhookDelivery[]): Promise<void>
  getDelivery(id: string): Promise<WebhookDelivery | null>
  /** Due pending entries whose lease is free or over, oldest due first, leased to `owner`. */
  leaseDeliveries(query: LeaseQuery): Promise<WebhookDelivery[]>
  /**
   * Records one attempt and the entry's new state and frees the lease, only while `owner` still
   * holds it; false (nothing written) when the lease was lost.
   */
  finishAttempt(id: string, owner: string, outcome: AttemptOutcome): Promise<boolean>
  /** Pending again, due at `at`, with a fresh schedule; null when there is no such entry. */
  requeueDelivery(id: string, at: Date): Promise<WebhookDelivery | null>
  /** An endpoint's attempts, newest first by (at, id). */
  listAttempts(endpointId: string, query: PageQuery): Promise<Page<DeliveryAttempt>>
}

export const WEBHOOK_STORE_METHODS = [
  'createWebhook',
  'getWebhook',
  'listWebhooks',
  'updateWebhook',
  'deleteWebhook',
  'enqueueDeliveries',
  'getDelivery',
  'leaseDeliveries',
  'finishAttempt',
  'requeueDelivery',
  'listAttempts',
] as const
