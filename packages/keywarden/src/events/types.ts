/**
 * What happens to keys and provider keys, as one event shape: the audit log keeps the changes
 * (AUDIT_ACTIONS), webhooks deliver every type. An event never holds a key, a hash or a provider key.
 */

/** Changes: each is appended to the audit log (when the store keeps one) and sent to subscribers. */
export const AUDIT_ACTIONS = [
  'key.created',
  'key.updated',
  'key.revoked',
  'key.rolled',
  'key.deleted',
  'key.leaked',
  'secret.put',
  'secret.deleted',
  'secret.resolved',
  'vault.rotated',
  'session.created',
  'session.failed',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
] as const

/** Happenings that change nothing (found by scans and verifications): subscribers only. */
export const NOTICE_TYPES = ['key.expiring', 'key.expired', 'key.usage_exceeded', 'key.credits_low'] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]
export type EventType = AuditAction | (typeof NOTICE_TYPES)[number]

/** Who made a change: an API key (its id), a dashboard session (the admin key's id), the CLI, or keywarden itself. */
export interface Actor {
  type: 'key' | 'session' | 'cli' | 'system'
  id?: string
  /** The client address, when the change came over HTTP. */
  address?: string
}

/** What a change was made to: `key` (id = key id), `secret` (id = `<scope>/<provider>`), `vault`, `session`, `webhook`. */
export interface EventTarget {
  type: 'key' | 'secret' | 'vault' | 'session' | 'webhook'
  id: string
}

/** Passed to every changing method (last argument) so the audit log names who made the change. */
export interface ChangeContext {
  /** Default `{ type: 'system' }`. */
  actor?: Actor
  /** The HTTP request's id (X-Request-Id), to find the change in the logs. */
  requestId?: string
}

/** Plain values only: never a secret, a key or a hash. */
export type EventDetail = Record<string, string | number | boolean | null>

/** What an audit entry and an event both say of one happening. */
export interface EventFacts {
  id: string
  at: Date
  actor: Actor
  target: EventTarget
  /** The names of the fields a change set, never their values when they are secret. */
  fields?: string[]
  requestId?: string
  /** The owner of the target (a key's ownerId, a secret's user), for owner-only views. */
  ownerId?: string | null
  /** Non-secret facts: a resolve's source and ref, a leak's origin, rotation counts. */
  detail?: EventDetail
}

/** One entry of the append-only audit log. */
export interface AuditEntry extends EventFacts {
  action: AuditAction
}

/** One event as subscribers (webhooks) receive it. */
export interface KeywardenEvent extends EventFacts {
  type: EventType
  /** The webhook payload's `data`: public fields only (an ApiKeyRecord, a secret summary). */
  data?: Record<string, unknown>
}

/** What emit takes: the hub adds id and time (at may be given, e.g. by an injected clock). */
export type NewEvent = Omit<KeywardenEvent, 'id' | 'at' | 'actor'> & { at?: Date; actor?: Actor }

export type EventListener = (event: KeywardenEvent) => void | Promise<void>
