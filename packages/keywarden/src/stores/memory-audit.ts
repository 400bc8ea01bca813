import { ConflictError } from '../errors.js'
import type { AuditEntry } from '../events/types.js'
import { assertAuditEntry, normalizedAuditEntry } from './audit-entry.js'
import type { AuditStore } from './audit-types.js'
import { decodeCursor, encodeCursor, isAfterCursor } from './cursor.js'

function copy(entry: AuditEntry): AuditEntry {
  return structuredClone(entry)
}

/** memoryStore's audit log: an array in time order, copied in and out. */
export function memoryAudit(): AuditStore {
  const entries: AuditEntry[] = []
  const ids = new Set<string>()
  return {
    async appendAudit(entry) {
      assertAuditEntry(entry)
      if (ids.has(entry.id)) throw new ConflictError(`an audit entry with id "${entry.id}" exists already`)
      ids.add(entry.id)
      entries.push(normalizedAuditEntry(entry))
    },

    async listAudit(query) {
      const after = query.cursor ? decodeCursor(query.cursor) : null
      const matches = entries
        .filter(
          (e) =>
            (query.targetId === undefined || e.target.id === query.targetId) &&
            (query.action === undefined || e.action === query.action) &&
            (query.actorId === undefined || e.actor.id === query.actorId) &&
            (query.ownerId === undefined || e.ownerId === query.ownerId) &&
            (query.from === undefined || e.at.getTime() >= query.from.getTime()) &&
            (query.to === undefined || e.at.getTime() < query.to.getTime()) &&
            (after === null || isAfterCursor(e.at.getTime(), e.id, after)),
        )
        .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      const items = matches.slice(0, query.limit).map(copy)
      const last = items[items.length - 1]
      const nextCursor =
        matches.length > query.limit && last
          ? encodeCursor({ createdAt: last.at.getTime(), id: last.id })
          : null
      return { items, nextCursor }
    },
  }
}
