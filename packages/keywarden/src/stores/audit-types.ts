import type { AuditAction, AuditEntry } from '../events/types.js'
import type { Page } from './types.js'

/** Which audit entries to list: newest first, every filter optional. */
export interface AuditQuery {
  /** Entries about this target id (a key id, `<scope>/<provider>`, …). */
  targetId?: string
  action?: AuditAction
  actorId?: string
  /** Entries whose target belongs to this owner. */
  ownerId?: string
  /** Inclusive lower bound of `at`. */
  from?: Date
  /** Exclusive upper bound of `at`. */
  to?: Date
  limit: number
  cursor?: string | null
}

/**
 * An append-only audit log (memoryStore, sqlStore and redisStore implement it): entries are never
 * changed or deleted by keywarden.
 */
export interface AuditStore {
  /** Appends one entry; ConflictError when its id exists already. */
  appendAudit(entry: AuditEntry): Promise<void>
  /** Newest first by (at, id); `nextCursor` continues. */
  listAudit(query: AuditQuery): Promise<Page<AuditEntry>>
}

export const AUDIT_STORE_METHODS = ['appendAudit', 'listAudit'] as const
