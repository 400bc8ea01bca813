import { ValidationError } from '../../errors.js'
import { BUCKET_MS, GRANULARITIES } from '../../usage/buckets.js'
import type { UsageGranularity } from '../../usage/types.js'
import type { UsageRow, UsageStore } from '../usage-types.js'
import { script, storeFailure } from './client.js'
import type { RedisContext } from './context.js'

/**
 * Usage counts in Redis. Every usage key carries the one hash tag `{<ns>:usage}`, so a flush is a
 * single Lua script (atomic, also on a cluster):
 *
 *   <ns>:u:{<ns>:usage}:<space>:<granularity>:<at>:<series>  HASH metric -> n
 *   <ns>:ui:{<ns>:usage}:<space>:<granularity>              ZSET bucket key names, score = at (for pruning)
 */
const ADD = script(`
local k = tonumber(ARGV[1])
local p = 2
for i = 1, k do
  redis.call('ZADD', KEYS[k + tonumber(ARGV[p])], ARGV[p + 1], KEYS[i])
  p = p + 2
end
while p <= #ARGV do
  redis.call('HINCRBY', KEYS[tonumber(ARGV[p])], ARGV[p + 1], ARGV[p + 2])
  p = p + 3
end
return 1`)

/** HGETALL of every key, as arrays in the order of KEYS (flat field, value lists under RESP2 and 3). */
const READ = script(`
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out`)

/** Deletes bucket keys KEYS[2..] and removes them from index KEYS[1]; returns how many fields went. */
const DROP = script(`
local removed = 0
for i = 2, #KEYS do
  removed = removed + redis.call('HLEN', KEYS[i])
  redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], KEYS[i])
end
return removed`)

const PRUNE_BATCH = 500
const MAX_BUCKETS = 10_000

export function redisUsage(ctx: RedisContext, namespace: string): UsageStore {
  const tag = `{${namespace}:usage}`
  const bucketKey = (space: string, g: UsageGranularity, at: number, series: string) =>
    `${namespace}:u:${tag}:${space}:${g}:${at}:${series}`
  const indexKey = (space: string, g: UsageGranularity) => `${namespace}:ui:${tag}:${space}:${g}`

  return {
    async addUsage(rows: readonly UsageRow[]) {
      if (rows.length === 0) return
      const space = rows[0]?.space as string
      if (rows.some((row) => row.space !== space)) {
        throw new ValidationError('addUsage: on Redis one call writes one space')
      }
      const keys: string[] = []
      const head: Array<string | number> = []
      const tail: Array<string | number> = []
      const positions = new Map<string, number>()
      for (const row of rows) {
        const key = bucketKey(space, row.granularity, row.at, row.series)
        let position = positions.get(key)
        if (position === undefined) {
          keys.push(key)
          position = keys.length
          positions.set(key, position)
          head.push(GRANULARITIES.indexOf(row.granularity) + 1, row.at)
        }
        tail.push(position, row.metric, row.n)
      }
      const indexes = GRANULARITIES.map((g) => indexKey(space, g))
      try {
        const client = await ctx.client()
        await ADD.run(client, [...keys, ...indexes], [keys.length, ...head, ...tail])
      } catch (error) {
        throw storeFailure('add usage counts', error)
      }
    },

    async sumUsage({ space, series, granularity, from, to }) {
      const size = BUCKET_MS[granularity]
      const keys: Array<{ key: string; at: number }> = []
      const first = Math.ceil(from / size) * size
      for (const name of new Set(series))
        for (let at = first; at < to; at += size)
          keys.push({ key: bucketKey(space, granularity, at, name), at })
      if (keys.length === 0) return []
      if (keys.length > MAX_BUCKETS) {
        throw new ValidationError(`sumUsage: at most ${MAX_BUCKETS} series buckets per call on Redis`)
      }
      let reply: unknown
      try {
        const client = await ctx.client()
        reply = await READ.run(
          client,
          keys.map((k) => k.key),
          [],
        )
      } catch (error) {
        throw storeFailure('read usage counts', error)
      }
      const sums = new Map<string, { at: number; metric: string; n: number }>()
      ;(reply as unknown[][]).forEach((fields, i) => {
        const at = (keys[i] as { at: number }).at
        for (let f = 0; f < fields.length; f += 2) {
          const metric = String(fields[f])
          const id = `${at}\u0000${metric}`
          const sum = sums.get(id) ?? { at, metric, n: 0 }
          sum.n += Number(fields[f + 1])
          sums.set(id, sum)
        }
      })
      return [...sums.values()]
    },

    async pruneUsage(space, before) {
      let removed = 0
      try {
        const client = await ctx.client()
        for (const g of GRANULARITIES) {
          const index = indexKey(space, g)
          for (;;) {
            const old = (await client.call(
              'ZRANGEBYSCORE',
              index,
              '-inf',
              `(${before[g]}`,
              'LIMIT',
              0,
              PRUNE_BATCH,
            )) as string[]
            if (old.length > 0) removed += Number(await DROP.run(client, [index, ...old.map(String)], []))
            if (old.length < PRUNE_BATCH) break
          }
        }
      } catch (error) {
        throw storeFailure('prune usage counts', error)
      }
      return removed
    },
  }
}
