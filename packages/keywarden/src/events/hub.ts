import { randomBytes } from 'node:crypto'
import { ConfigError, describeError, ValidationError } from '../errors.js'
import { AUDIT_STORE_METHODS, type AuditQuery, type AuditStore } from '../stores/audit-types.js'
import { hasMethods, type Page } from '../stores/types.js'
import {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type EventListener,
  type KeywardenEvent,
  type NewEvent,
} from './types.js'

const AUDITED = new Set<string>(AUDIT_ACTIONS)
const MAX_LIST_LIMIT = 1000
const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

let lastAt = -1
let sequence = 0

/**
 * Time-ordered ids: `evt_` + 10 characters of time + 4 of a per-process sequence + 10 random, so
 * ids sort like their events (within a process, also in one millisecond).
 */
export function eventId(at: number): string {
  sequence = at === lastAt ? sequence + 1 : 0
  lastAt = at
  let tail = ''
  for (const byte of randomBytes(10)) tail += ID_ALPHABET[byte % 36]
  return `evt_${at.toString(36).padStart(10, '0')}${sequence.toString(36).padStart(4, '0')}${tail}`
}

export interface EventHubOptions {
  /** Where audit entries are appended; without appendAudit the hub keeps no log. */
  store?: unknown
  now?: () => Date
  /** Failures of the audit write and of listeners; the change itself has happened. Default console.warn. */
  onError?: (error: unknown) => void
}

/** The audit log and the subscribers of one warden and the vaults that share its hub. */
export interface EventHub {
  /** Appends the audit entry (for changes) and calls every listener; never rejects. */
  emit(event: NewEvent): Promise<KeywardenEvent>
  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void
  /**
   * The audit log, newest first.
   * @throws ConfigError when the store keeps no audit log.
   * @throws ValidationError when a filter is invalid.
   */
  list(query?: Partial<AuditQuery>): Promise<Page<AuditEntry>>
  /** Whether the store keeps an audit log. */
  readonly audits: boolean
}

/** The event's facts without its payload (stores drop absent optional parts themselves). */
function toEntry({ type, data: _payload, ...facts }: KeywardenEvent): AuditEntry {
  return { ...facts, action: type as AuditAction }
}

function checkQuery(query: Partial<AuditQuery>): AuditQuery {
  const { limit = 50, cursor, action, from, to } = query
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, { field: 'limit' })
  }
  if (action !== undefined && !AUDITED.has(action)) {
    throw new ValidationError(`action must be one of ${AUDIT_ACTIONS.join(', ')}`, { field: 'action' })
  }
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value !== undefined && !(value instanceof Date && !Number.isNaN(value.getTime()))) {
      throw new ValidationError(`${field} must be a valid Date`, { field })
    }
  }
  for (const field of ['targetId', 'actorId', 'ownerId'] as const) {
    const value = query[field]
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 512)) {
      throw new ValidationError(`${field} must be a non-empty string`, { field })
    }
  }
  if (cursor !== undefined && cursor !== null && (typeof cursor !== 'string' || cursor.length > 1024)) {
    throw new ValidationError('cursor must be the nextCursor string of a previous page', { field: 'cursor' })
  }
  return { ...query, limit }
}

/**
 * One event hub: a warden makes its own; pass `warden.events` to createVault so provider-key
 * changes land in the same audit log and reach the same webhooks.
 */
export function createEventHub(options: EventHubOptions = {}): EventHub {
  const { now = () => new Date() } = options
  const onError =
    options.onError ??
    ((error: unknown) => console.warn(`keywarden: event handling failed: ${describeError(error)}`))
  const store = hasMethods(options.store, AUDIT_STORE_METHODS) ? (options.store as AuditStore) : null
  const listeners = new Set<EventListener>()

  return {
    audits: store !== null,

    async emit(input) {
      const at = input.at ?? now()
      const event: KeywardenEvent = {
        ...input,
        id: eventId(at.getTime()),
        at,
        actor: input.actor ?? { type: 'system' },
      }
      if (store && AUDITED.has(event.type)) {
        try {
          await store.appendAudit(toEntry(event))
        } catch (error) {
          onError(error)
        }
      }
      for (const listener of listeners) {
        try {
          await listener(event)
        } catch (error) {
          onError(error)
        }
      }
      return event
    },

    subscribe(listener) {
      if (typeof listener !== 'function') throw new ConfigError('subscribe needs a function')
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    async list(query = {}) {
      if (!store) {
        throw new ConfigError('this store keeps no audit log; use memoryStore, sqlStore or redisStore')
      }
      return store.listAudit(checkQuery(query))
    },
  }
}

/** Checks a ChangeContext argument; returns the actor and request id to record. */
export function changeContext(context: unknown): { actor?: KeywardenEvent['actor']; requestId?: string } {
  if (context === undefined || context === null) return {}
  if (typeof context !== 'object') {
    throw new ValidationError('the change context must be an object { actor?, requestId? }', {
      field: 'context',
    })
  }
  const { actor, requestId } = context as { actor?: unknown; requestId?: unknown }
  const out: { actor?: KeywardenEvent['actor']; requestId?: string } = {}
  if (actor !== undefined) {
    const a = actor as Record<string, unknown>
    if (
      typeof a !== 'object' ||
      a === null ||
      !['key', 'session', 'cli', 'system'].includes(a.type as string) ||
      (a.id !== undefined && typeof a.id !== 'string') ||
      (a.address !== undefined && typeof a.address !== 'string')
    ) {
      throw new ValidationError(
        "actor must be { type: 'key' | 'session' | 'cli' | 'system', id?, address? }",
        {
          field: 'actor',
        },
      )
    }
    out.actor = {
      type: a.type as 'key',
      ...(a.id !== undefined ? { id: a.id as string } : {}),
      ...(a.address !== undefined ? { address: a.address as string } : {}),
    }
  }
  if (requestId !== undefined) {
    if (typeof requestId !== 'string' || requestId.length > 200) {
      throw new ValidationError('requestId must be a string of at most 200 characters', {
        field: 'requestId',
      })
    }
    out.requestId = requestId
  }
  return out
}
