import { ValidationError } from '../errors.js'
import { AUDIT_ACTIONS, type AuditEntry } from '../events/types.js'

const ACTIONS = new Set<string>(AUDIT_ACTIONS)
const ACTOR_TYPES = new Set(['key', 'session', 'cli', 'system'])
const TARGET_TYPES = new Set(['key', 'secret', 'vault', 'session', 'webhook'])

/** The longest value of each text field an audit store keeps (the SQL columns are this wide). */
export const AUDIT_LIMITS = {
  id: 128,
  actorId: 256,
  address: 255,
  targetId: 512,
  ownerId: 256,
  requestId: 200,
} as const

function text(value: unknown, field: string, max: number, optional: boolean): void {
  if (optional && (value === undefined || value === null)) return
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new ValidationError(`audit entry ${field} must be a string of 1 to ${max} characters`, { field })
  }
}

/**
 * The check every audit store runs before appending, so all of them accept and refuse the same
 * entries: the shape of AuditEntry, a valid `at` from 1970 on, and text no wider than AUDIT_LIMITS.
 */
export function assertAuditEntry(entry: AuditEntry): void {
  if (typeof entry !== 'object' || entry === null) {
    throw new ValidationError('an audit entry must be an object { id, at, action, actor, target }')
  }
  text(entry.id, 'id', AUDIT_LIMITS.id, false)
  if (!(entry.at instanceof Date) || !(entry.at.getTime() >= 0)) {
    throw new ValidationError('audit entry at must be a valid Date from 1970 on', { field: 'at' })
  }
  if (!ACTIONS.has(entry.action)) {
    throw new ValidationError(`audit entry action must be one of ${AUDIT_ACTIONS.join(', ')}`, {
      field: 'action',
    })
  }
  const { actor, target } = entry
  if (typeof actor !== 'object' || actor === null || !ACTOR_TYPES.has(actor.type)) {
    throw new ValidationError("audit entry actor must be { type: 'key' | 'session' | 'cli' | 'system' }", {
      field: 'actor',
    })
  }
  text(actor.id, 'actor.id', AUDIT_LIMITS.actorId, true)
  text(actor.address, 'actor.address', AUDIT_LIMITS.address, true)
  if (typeof target !== 'object' || target === null || !TARGET_TYPES.has(target.type)) {
    throw new ValidationError(`audit entry target.type must be one of ${[...TARGET_TYPES].join(', ')}`, {
      field: 'target',
    })
  }
  text(target.id, 'target.id', AUDIT_LIMITS.targetId, false)
  text(entry.ownerId, 'ownerId', AUDIT_LIMITS.ownerId, true)
  text(entry.requestId, 'requestId', AUDIT_LIMITS.requestId, true)
  if (
    entry.fields !== undefined &&
    !(Array.isArray(entry.fields) && entry.fields.every((f) => typeof f === 'string'))
  ) {
    throw new ValidationError('audit entry fields must be an array of field names', { field: 'fields' })
  }
  if (entry.detail !== undefined && (typeof entry.detail !== 'object' || entry.detail === null)) {
    throw new ValidationError('audit entry detail must be an object of plain values', { field: 'detail' })
  }
}

/** True when `entry` passes every filter of `query` except the cursor (stores that filter in code). */
export function auditMatches(
  entry: AuditEntry,
  query: { targetId?: string; action?: string; actorId?: string; ownerId?: string; from?: Date; to?: Date },
): boolean {
  return (
    (query.targetId === undefined || entry.target.id === query.targetId) &&
    (query.action === undefined || entry.action === query.action) &&
    (query.actorId === undefined || entry.actor.id === query.actorId) &&
    (query.ownerId === undefined || entry.ownerId === query.ownerId) &&
    (query.from === undefined || entry.at.getTime() >= query.from.getTime()) &&
    (query.to === undefined || entry.at.getTime() < query.to.getTime())
  )
}

/**
 * A deep copy without empty optional parts (an ownerId of null, undefined fields), so every store
 * hands back the same entry: SQL cannot tell a null owner from none.
 */
export function normalizedAuditEntry(entry: AuditEntry): AuditEntry {
  const { ownerId, fields, requestId, detail, ...rest } = structuredClone(entry)
  const out: AuditEntry = rest
  if (fields !== undefined) out.fields = fields
  if (requestId !== undefined) out.requestId = requestId
  if (ownerId !== undefined && ownerId !== null) out.ownerId = ownerId
  if (detail !== undefined) out.detail = detail
  return out
}
