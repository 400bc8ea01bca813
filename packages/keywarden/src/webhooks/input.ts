import { randomBytes } from 'node:crypto'
import { ConfigError, ValidationError } from '../errors.js'
import type { KeywardenEvent } from '../events/types.js'
import type { StoredWebhook } from '../stores/webhook-types.js'
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type WebhookEventType,
  type WebhookPayload,
} from './types.js'

const TYPES = new Set<string>(WEBHOOK_EVENT_TYPES)
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

/** Time-ordered ids: prefix + 10 characters of time + 14 random. */
export function newId(prefix: string, at: number): string {
  let tail = ''
  for (const byte of randomBytes(14)) tail += ALPHABET[byte % 36]
  return `${prefix}_${at.toString(36).padStart(10, '0')}${tail}`
}

export function checkEvents(events: unknown): WebhookEventType[] {
  if (
    !Array.isArray(events) ||
    events.length === 0 ||
    events.some((e) => typeof e !== 'string' || !TYPES.has(e))
  ) {
    throw new ValidationError(`events must be a non-empty list of: ${WEBHOOK_EVENT_TYPES.join(', ')}`, {
      field: 'events',
    })
  }
  return [...new Set(events as WebhookEventType[])]
}

export function checkDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null
  if (typeof description !== 'string' || description.length > 500)
    throw new ValidationError('description must be a string of at most 500 characters', {
      field: 'description',
    })
  return description
}

export function checkId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128)
    throw new ValidationError(`${field} must be a non-empty string`, { field })
  return id
}

export function checkPage(query: unknown): { limit: number; cursor: string | null } {
  const { limit = 50, cursor = null } = (query ?? {}) as { limit?: unknown; cursor?: unknown }
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
    throw new ValidationError('limit must be an integer from 1 to 1000', { field: 'limit' })
  if (cursor !== null && (typeof cursor !== 'string' || cursor.length > 1024))
    throw new ValidationError('cursor must be the nextCursor string of a previous page', { field: 'cursor' })
  return { limit, cursor }
}

export function checkSchedule(schedule: unknown): number[] {
  if (
    !Array.isArray(schedule) ||
    schedule.length === 0 ||
    schedule.some((ms) => typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0)
  )
    throw new ConfigError('retryScheduleMs must be a non-empty list of delays in milliseconds (integers ≥ 0)')
  return [...schedule]
}

export function publicEndpoint(stored: StoredWebhook): WebhookEndpoint {
  const { id, url, description, events, createdAt, updatedAt } = stored
  return { id, url, description, events: events as WebhookEventType[], createdAt, updatedAt }
}

const SECRET_FIELDS = new Set(['hash', 'key', 'apiKey', 'plaintext', 'secret', 'ciphertext', 'providerKey'])

/** Copies event data without any field that could hold a secret (a record's hash, a plaintext key). */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub)
  if (value instanceof Date) return value.toISOString()
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [name, inner] of Object.entries(value)) {
    if (SECRET_FIELDS.has(name) && typeof inner === 'string') continue
    out[name] = scrub(inner)
  }
  return out
}

/** The request body of an event: `{ type, timestamp, data }`. */
export function payloadOf(event: KeywardenEvent): string {
  const payload: WebhookPayload = {
    type: event.type as WebhookEventType,
    timestamp: event.at.toISOString(),
    data: (scrub(event.data ?? {}) as Record<string, unknown>) ?? {},
  }
  return JSON.stringify(payload)
}
