import { ConflictError } from '../../errors.js'
import type { AuditEntry } from '../../events/types.js'
import { assertAuditEntry } from '../audit-entry.js'
import type { AuditStore } from '../audit-types.js'
import { auditPosition, decodeCursor, pageFrom } from '../cursor.js'
import type { SqlDialect } from './dialects/types.js'
import type { Lifecycle } from './lifecycle.js'
import { newestFirst } from './page.js'

type Row = Record<string, any>

function toRow(entry: AuditEntry) {
  return {
    id: entry.id,
    at: entry.at.getTime(),
    action: entry.action,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id ?? null,
    actor_address: entry.actor.address ?? null,
    target_type: entry.target.type,
    target_id: entry.target.id,
    owner_id: entry.ownerId ?? null,
    request_id: entry.requestId ?? null,
    fields: entry.fields === undefined ? null : JSON.stringify(entry.fields),
    detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
  }
}

function fromRow(r: Row): AuditEntry {
  const entry: AuditEntry = {
    id: r.id,
    at: new Date(Number(r.at)),
    action: r.action,
    actor: {
      type: r.actor_type,
      ...(r.actor_id === null ? {} : { id: r.actor_id }),
      ...(r.actor_address === null ? {} : { address: r.actor_address }),
    },
    target: { type: r.target_type, id: r.target_id },
  }
  if (r.fields !== null) entry.fields = JSON.parse(r.fields)
  if (r.request_id !== null) entry.requestId = r.request_id
  if (r.owner_id !== null) entry.ownerId = r.owner_id
  if (r.detail !== null) entry.detail = JSON.parse(r.detail)
  return entry
}

/**
 * The AuditStore half of sqlStore: INSERT only (a duplicate id is a ConflictError), listed newest
 * first by (at, id) through the index of the filter given.
 */
export function auditMethods({ guarded }: Lifecycle, table: string, dialect: SqlDialect): AuditStore {
  return {
    async appendAudit(entry) {
      assertAuditEntry(entry)
      await guarded('append an audit entry', async ({ q }) => {
        try {
          await q.insertInto(table).values(toRow(entry)).execute()
        } catch (error) {
          if (!dialect.isUniqueViolation(error)) throw error
          throw new ConflictError(`an audit entry with id "${entry.id}" exists already`, { cause: error })
        }
      })
    },

    async listAudit(query) {
      const after = query.cursor ? decodeCursor(query.cursor) : null
      return guarded('list the audit log', async ({ q }) => {
        let select = q.selectFrom(table).selectAll()
        if (query.targetId !== undefined) select = select.where('target_id', '=', query.targetId)
        if (query.action !== undefined) select = select.where('action', '=', query.action)
        if (query.actorId !== undefined) select = select.where('actor_id', '=', query.actorId)
        if (query.ownerId !== undefined) select = select.where('owner_id', '=', query.ownerId)
        if (query.from !== undefined) select = select.where('at', '>=', query.from.getTime())
        if (query.to !== undefined) select = select.where('at', '<', query.to.getTime())
        const rows = await newestFirst(select, 'at', after, query.limit).execute()
        return pageFrom(rows.map(fromRow), query.limit, auditPosition)
      })
    },
  }
}
