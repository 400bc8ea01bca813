import type { Kysely } from 'kysely'
import { ConflictError } from '../../errors.js'
import { decodeCursor, pageFrom } from '../cursor.js'
import type { Page } from '../types.js'
import type {
  DeliveryAttempt,
  DeliveryStatus,
  PageQuery,
  StoredWebhook,
  WebhookDelivery,
  WebhookStore,
} from '../webhook-types.js'
import type { SqlDialect } from './dialects/types.js'
import type { Lifecycle } from './lifecycle.js'
import { newestFirst } from './page.js'
import { webhookTables } from './webhook-migration.js'

type Row = Record<string, unknown>
const num = (value: unknown) => Number(value)

function webhookFromRow(row: Row): StoredWebhook {
  return {
    id: row.id as string,
    url: row.url as string,
    description: (row.description as string | null) ?? null,
    events: JSON.parse(row.events as string),
    secretCiphertext: row.secret_ciphertext as string,
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  }
}

function deliveryFromRow(row: Row): WebhookDelivery {
  return {
    id: row.id as string,
    endpointId: row.endpoint_id as string,
    eventId: row.event_id as string,
    eventType: row.event_type as string,
    payload: row.payload as string,
    status: row.status as DeliveryStatus,
    attempts: num(row.attempts),
    retry: num(row.retry),
    nextAt: new Date(num(row.next_at)),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  }
}

function attemptFromRow(row: Row): DeliveryAttempt {
  return {
    id: row.id as string,
    deliveryId: row.delivery_id as string,
    endpointId: row.endpoint_id as string,
    eventId: row.event_id as string,
    eventType: row.event_type as string,
    attempt: num(row.attempt),
    responseStatus: row.response_status === null ? null : num(row.response_status),
    ok: num(row.ok) === 1,
    error: (row.error as string | null) ?? null,
    durationMs: num(row.duration_ms),
    at: new Date(num(row.at)),
  }
}

/** Newest first by (time column, id) after the cursor, one page. */
async function page<T>(
  q: Kysely<any>,
  table: string,
  time: string,
  where: Record<string, string>,
  query: PageQuery,
  fromRow: (row: Row) => T & { id: string },
  timeOf: (item: T) => Date,
): Promise<Page<T>> {
  const after = query.cursor ? decodeCursor(query.cursor) : null
  let select = q.selectFrom(table).selectAll()
  for (const [column, value] of Object.entries(where)) select = select.where(column, '=', value)
  const rows = await newestFirst(select, time, after, query.limit).execute()
  return pageFrom(rows.map(fromRow), query.limit, (item) => ({
    createdAt: timeOf(item).getTime(),
    id: item.id,
  }))
}

/**
 * sqlStore's webhooks. A lease is taken in one transaction: PostgreSQL and MySQL/MariaDB select the
 * due rows FOR UPDATE SKIP LOCKED (concurrent workers take different rows without waiting); SQLite
 * runs it under BEGIN IMMEDIATE (one writer at a time).
 */
export function webhookMethods(
  { guarded }: Lifecycle,
  tablePrefix: string,
  dialect: SqlDialect,
): WebhookStore {
  const names = webhookTables(tablePrefix)
  return {
    async createWebhook(w) {
      await guarded('create a webhook', async ({ q }) => {
        try {
          await q
            .insertInto(names.webhooks)
            .values({
              id: w.id,
              url: w.url,
              description: w.description,
              events: JSON.stringify(w.events),
              secret_ciphertext: w.secretCiphertext,
              created_at: w.createdAt.getTime(),
              updated_at: w.updatedAt.getTime(),
            })
            .execute()
        } catch (error) {
          if (dialect.isUniqueViolation(error))
            throw new ConflictError(`a webhook with id "${w.id}" exists already`, { cause: error })
          throw error
        }
      })
    },

    async getWebhook(id) {
      return guarded('read a webhook', async ({ q }) => {
        const row = await q.selectFrom(names.webhooks).selectAll().where('id', '=', id).executeTakeFirst()
        return row ? webhookFromRow(row) : null
      })
    },

    async listWebhooks(query) {
      return guarded('list webhooks', ({ q }) =>
        page(q, names.webhooks, 'created_at', {}, query, webhookFromRow, (w) => w.createdAt),
      )
    },

    async updateWebhook(id, patch) {
      return guarded('update a webhook', async ({ q }) => {
        const set: Row = {}
        if (patch.url !== undefined) set.url = patch.url
        if (patch.description !== undefined) set.description = patch.description
        if (patch.events !== undefined) set.events = JSON.stringify(patch.events)
        if (patch.updatedAt !== undefined) set.updated_at = patch.updatedAt.getTime()
        if (Object.keys(set).length > 0)
          await q.updateTable(names.webhooks).set(set).where('id', '=', id).execute()
        const row = await q.selectFrom(names.webhooks).selectAll().where('id', '=', id).executeTakeFirst()
        return row ? webhookFromRow(row) : null
      })
    },

    async deleteWebhook(id) {
      return guarded('delete a webhook', (ready) =>
        dialect.transaction(ready.q, async (trx) => {
          const result = await trx.deleteFrom(names.webhooks).where('id', '=', id).executeTakeFirst()
          await trx.deleteFrom(names.deliveries).where('endpoint_id', '=', id).execute()
          await trx.deleteFrom(names.attempts).where('endpoint_id', '=', id).execute()
          return result.numDeletedRows > 0n
        }),
      )
    },

    async enqueueDeliveries(entries) {
      if (entries.length === 0) return
      await guarded('write webhook deliveries', async ({ q }) => {
        const rows = entries.map((d) => ({
          id: d.id,
          endpoint_id: d.endpointId,
          event_id: d.eventId,
          event_type: d.eventType,
          payload: d.payload,
          status: d.status,
          attempts: d.attempts,
          retry: d.retry,
          next_at: d.nextAt.getTime(),
          lease_owner: null,
          lease_until: 0,
          created_at: d.createdAt.getTime(),
          updated_at: d.updatedAt.getTime(),
        }))
        const insert = q.insertInto(names.deliveries).values(rows)
        await dialect.upsert(insert, ['id'], { id: dialect.inserted('id') }).execute()
      })
    },

    async getDelivery(id) {
      return guarded('read a webhook delivery', async ({ q }) => {
        const row = await q.selectFrom(names.deliveries).selectAll().where('id', '=', id).executeTakeFirst()
        return row ? deliveryFromRow(row) : null
      })
    },

    async leaseDeliveries({ now, leaseMs, owner, limit }) {
      const at = now.getTime()
      return guarded('lease webhook deliveries', (ready) =>
        dialect.transaction(ready.q, async (trx) => {
          const due = dialect.lockFreeRows(
            trx
              .selectFrom(names.deliveries)
              .select('id')
              .where('status', '=', 'pending')
              .where('next_at', '<=', at)
              .where('lease_until', '<=', at)
              .orderBy('next_at')
              .limit(limit),
          )
          const ids = (await due.execute()).map((row) => row.id as string)
          if (ids.length === 0) return []
          await trx
            .updateTable(names.deliveries)
            .set({ lease_owner: owner, lease_until: at + leaseMs })
            .where('id', 'in', ids)
            .execute()
          const rows = await trx.selectFrom(names.deliveries).selectAll().where('id', 'in', ids).execute()
          return rows.map(deliveryFromRow).sort((a, b) => a.nextAt.getTime() - b.nextAt.getTime())
        }),
      )
    },

    async finishAttempt(id, owner, { attempt: a, status, nextAt, retry }) {
      return guarded('record a webhook attempt', (ready) =>
        dialect.transaction(ready.q, async (trx) => {
          const result = await trx
            .updateTable(names.deliveries)
            .set((eb) => ({
              status,
              next_at: nextAt.getTime(),
              retry,
              attempts: eb('attempts', '+', 1),
              lease_owner: null,
              lease_until: 0,
              updated_at: a.at.getTime(),
            }))
            .where('id', '=', id)
            .where('lease_owner', '=', owner)
            .executeTakeFirst()
          if (result.numUpdatedRows === 0n) return false
          await trx
            .insertInto(names.attempts)
            .values({
              id: a.id,
              delivery_id: a.deliveryId,
              endpoint_id: a.endpointId,
              event_id: a.eventId,
              event_type: a.eventType,
              attempt: a.attempt,
              response_status: a.responseStatus,
              ok: a.ok ? 1 : 0,
              error: a.error === null ? null : a.error.slice(0, 500),
              duration_ms: a.durationMs,
              at: a.at.getTime(),
            })
            .execute()
          return true
        }),
      )
    },

    async requeueDelivery(id, at) {
      return guarded('queue a webhook delivery again', async ({ q }) => {
        await q
          .updateTable(names.deliveries)
          .set({ status: 'pending', next_at: at.getTime(), retry: 0, updated_at: at.getTime() })
          .where('id', '=', id)
          .execute()
        const row = await q.selectFrom(names.deliveries).selectAll().where('id', '=', id).executeTakeFirst()
        return row ? deliveryFromRow(row) : null
      })
    },

    async listAttempts(endpointId, query) {
      return guarded('list webhook attempts', ({ q }) =>
        page(q, names.attempts, 'at', { endpoint_id: endpointId }, query, attemptFromRow, (a) => a.at),
      )
    },
  }
}
