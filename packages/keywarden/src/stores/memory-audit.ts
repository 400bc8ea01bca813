import { ConflictError } from '../errors.js'
import type { AuditEntry } from '../events/types.js'
import { assertAuditEntry, auditMatches, normalizedAuditEntry } from './audit-entry.js'
import type { AuditStore } from './audit-types.js'
import { auditPosition, pageInMemory } from './cursor.js'

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
      const page = pageInMemory(
        entries.filter((entry) => auditMatches(entry, query)),
        auditPosition,
        query,
      )
      return { ...page, items: page.items.map(copy) }
    },
  }
}
