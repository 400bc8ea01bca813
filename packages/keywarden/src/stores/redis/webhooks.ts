import { ConflictError } from '../../errors.js'
import { decodeCursor, encodeCursor } from '../cursor.js'
import type { Page } from '../types.js'
import type { PageQuery, WebhookDelivery, WebhookStore } from '../webhook-types.js'
import { type RedisClientLike, type Script, storeFailure } from './client.js'
import type { RedisContext } from './context.js'
import {
  attemptFrom,
  attemptJson,
  deliveryFields,
  deliveryFrom,
  fieldsOf,
  member,
  webhookFields,
  webhookFrom,
} from './webhook-codec.js'
import {
  CREATE_WEBHOOK,
  DELETE_WEBHOOK,
  ENQUEUE,
  FINISH,
  LEASE,
  READ_ATTEMPTS,
  READ_WEBHOOKS,
  REQUEUE,
  UPDATE_WEBHOOK,
} from './webhook-lua.js'

/**
 * redisStore's webhooks. Every key carries the one hash tag `{<ns>:webhooks}` (see layout.ts), so
 * each change is one Lua script on one slot, also on a cluster:
 *
 *   <ns>:wh:{<ns>:webhooks}:ep:<id>     HASH  an endpoint (description and events as JSON)
 *   <ns>:wh:{<ns>:webhooks}:eps         ZSET  `<createdAt, 15 digits>:<id>` of every endpoint (score 0)
 *   <ns>:wh:{<ns>:webhooks}:d:<id>      HASH  an outbox entry, with leaseOwner and leaseUntil (ms)
 *   <ns>:wh:{<ns>:webhooks}:due         ZSET  ids of the pending entries, score nextAt (ms)
 *   <ns>:wh:{<ns>:webhooks}:ed:<id>     SET   the outbox entry ids of one endpoint
 *   <ns>:wh:{<ns>:webhooks}:a:<id>      STRING one attempt as JSON
 *   <ns>:wh:{<ns>:webhooks}:ea:<id>     ZSET  `<at, 15 digits>:<attempt id>` of one endpoint (score 0)
 *
 * A lease is one script: it walks `due` oldest first, takes entries whose lease ended and marks
 * them with the owner, so each due entry goes to exactly one caller. finishAttempt writes only
 * while the entry's leaseOwner is still the caller's token, as memoryStore and sqlStore do.
 */
export function redisWebhooks(ctx: RedisContext): WebhookStore {
  const prefix = ctx.keys.webhooks
  const due = `${prefix}due`

  async function run(action: string, lua: Script, args: Array<string | number>): Promise<unknown> {
    try {
      const client = await ctx.client()
      return await lua.run(client, [due], [prefix, ...args])
    } catch (error) {
      throw storeFailure(action, error)
    }
  }

  async function call(action: string, work: (client: RedisClientLike) => Promise<unknown>) {
    try {
      return await work(await ctx.client())
    } catch (error) {
      throw storeFailure(action, error)
    }
  }

  /** One page, newest first, of index `index`; `read` turns the member ids into items. */
  async function page<T>(
    action: string,
    index: string,
    query: PageQuery,
    read: (ids: string[]) => Promise<T[]>,
    time: (item: T) => Date,
    id: (item: T) => string,
  ): Promise<Page<T>> {
    const after = query.cursor ? decodeCursor(query.cursor) : null
    const max = after === null ? '+' : `(${member(after.createdAt, after.id)}`
    const names = (await call(action, (client) =>
      client.call('ZREVRANGEBYLEX', index, max, '-', 'LIMIT', 0, query.limit + 1),
    )) as string[]
    const items = await read(names.slice(0, query.limit).map((name) => String(name).slice(16)))
    const last = items[items.length - 1]
    const nextCursor =
      names.length > query.limit && last
        ? encodeCursor({ createdAt: time(last).getTime(), id: id(last) })
        : null
    return { items, nextCursor }
  }

  return {
    async createWebhook(webhook) {
      const created = await run('create a webhook', CREATE_WEBHOOK, [
        webhook.id,
        member(webhook.createdAt.getTime(), webhook.id),
        ...webhookFields(webhook),
      ])
      if (Number(created) !== 1) throw new ConflictError(`a webhook with id "${webhook.id}" exists already`)
    },

    async getWebhook(id) {
      const [fields] = (await run('read a webhook', READ_WEBHOOKS, [id])) as unknown[]
      const found = fieldsOf(fields ?? [])
      return found.id === undefined ? null : webhookFrom(found)
    },

    async listWebhooks(query) {
      return page(
        'list webhooks',
        `${prefix}eps`,
        query,
        async (ids) => {
          if (ids.length === 0) return []
          const replies = (await run('list webhooks', READ_WEBHOOKS, ids)) as unknown[]
          return replies
            .map(fieldsOf)
            .filter((f) => f.id !== undefined)
            .map(webhookFrom)
        },
        (w) => w.createdAt,
        (w) => w.id,
      )
    },

    async updateWebhook(id, patch) {
      const set: string[] = []
      if (patch.url !== undefined) set.push('url', patch.url)
      if (patch.description !== undefined) set.push('description', JSON.stringify(patch.description))
      if (patch.events !== undefined) set.push('events', JSON.stringify(patch.events))
      if (patch.updatedAt !== undefined) set.push('updatedAt', String(patch.updatedAt.getTime()))
      const reply = await run('update a webhook', UPDATE_WEBHOOK, [id, ...set])
      return reply ? webhookFrom(fieldsOf(reply)) : null
    },

    async deleteWebhook(id) {
      return Number(await run('delete a webhook', DELETE_WEBHOOK, [id])) === 1
    },

    async enqueueDeliveries(entries) {
      if (entries.length === 0) return
      const args: string[] = []
      for (const d of entries) {
        const fields = deliveryFields(d)
        args.push(d.id, d.endpointId, d.status, String(d.nextAt.getTime()), ...fields)
      }
      const per = 4 + deliveryFields(entries[0] as WebhookDelivery).length
      await run('write webhook deliveries', ENQUEUE, [per, ...args])
    },

    async getDelivery(id) {
      const reply = await call('read a webhook delivery', (client) =>
        client.call('HGETALL', `${prefix}d:${id}`),
      )
      const found = fieldsOf(reply ?? [])
      return found.id === undefined ? null : deliveryFrom(found)
    },

    async leaseDeliveries({ now, leaseMs, owner, limit }) {
      const at = now.getTime()
      const reply = (await run('lease webhook deliveries', LEASE, [
        at,
        at + leaseMs,
        owner,
        limit,
      ])) as unknown[]
      return reply.map((fields) => deliveryFrom(fieldsOf(fields)))
    },

    async finishAttempt(id, owner, { attempt, status, nextAt, retry }) {
      const finished = await run('record a webhook attempt', FINISH, [
        id,
        owner,
        status,
        nextAt.getTime(),
        retry,
        attempt.at.getTime(),
        attempt.id,
        attempt.endpointId,
        member(attempt.at.getTime(), attempt.id),
        attemptJson(attempt),
      ])
      return Number(finished) === 1
    },

    async requeueDelivery(id, at) {
      const reply = await run('queue a webhook delivery again', REQUEUE, [id, at.getTime()])
      return reply ? deliveryFrom(fieldsOf(reply)) : null
    },

    async listAttempts(endpointId, query) {
      return page(
        'list webhook attempts',
        `${prefix}ea:${endpointId}`,
        query,
        async (ids) => {
          if (ids.length === 0) return []
          const replies = (await run('list webhook attempts', READ_ATTEMPTS, ids)) as string[]
          return replies.filter((text) => text !== '').map((text) => attemptFrom(String(text)))
        },
        (a) => a.at,
        (a) => a.id,
      )
    },
  }
}
