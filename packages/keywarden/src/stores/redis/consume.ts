import { decideConsume, type WindowCounts } from '../sliding-window.js'
import type { ConsumeOutcome, ConsumeRequest, StoredKey } from '../types.js'
import { script, storeFailure } from './client.js'
import { decodeRecord, idPrefix, unfixed } from './codec.js'
import type { RedisContext } from './context.js'
import { creditsOf, idPrefixOf, isGrouped } from './lua.js'
import { decodeArgs, spendArgs, spendLua } from './spend-lua.js'

/**
 * Atomic refill + rate limits + credits for one verification, on one slot: the record's, or for a
 * key of a limit group the group's (its balance in the group HASH, its counts in the group's first
 * key's windows). Answers 'G' for a key whose balance is in a group other than KEYS[3].
 * KEYS: record, windows, group. ARGV: id prefix, spendArgs.
 */
const consumeScript = script(`
${decodeArgs(2)}
local credits = redis.call('HGET', KEYS[3], 'c')
local inRecord = false
if not credits then
  local value = redis.call('GET', KEYS[1])
  if not value or ${idPrefixOf('value', 1)} ~= ARGV[1] then return false end
  if ${isGrouped('value')} then return 'G' end
  credits = ${creditsOf('value')}
  inRecord = true
end
${spendLua('')}`)

/** What a spend read (the balance before it) and decided. */
export interface Spent {
  outcome: ConsumeOutcome
  credits: Pick<StoredKey, 'remaining' | 'lastRefillAt'>
}

/** The outcome of a spendLua reply whose snapshot starts at `from`. */
export function snapshotOf(request: ConsumeRequest, reply: string[], from: number): Spent {
  const counts: WindowCounts[] = []
  for (let i = from + 2; i < reply.length; i += 2)
    counts.push({ previous: Number(reply[i]), current: Number(reply[i + 1]) })
  const remaining = unfixed(reply[from] as string)
  const lastRefillAt = unfixed(reply[from + 1] as string)
  const { outcome } = decideConsume(request, { remaining, lastRefillAt, counts })
  return {
    outcome,
    credits: { remaining, lastRefillAt: lastRefillAt === null ? null : new Date(lastRefillAt) },
  }
}

/** consumeKey, and `spend`: the same, also answering the balance it read (null: no such key). */
export function redisConsume(ctx: RedisContext) {
  const { keys, hashById, tagById } = ctx
  async function spend(id: string, request: ConsumeRequest): Promise<Spent | null> {
    const args = [idPrefix(id), spendArgs(request)]
    const client = await ctx.client()
    const attempt = async (tag: string) =>
      (await consumeScript.run(client, [keys.record(tag), keys.windows(tag), keys.group(tag)], args)) as
        | string
        | null
    let hash = hashById.get(id)
    const known = tagById.get(id) ?? hash
    let reply = known === undefined ? null : await attempt(known)
    if (reply === null) {
      // Unknown or stale id -> hash pair: read the pointer.
      hash = ((await client.call('GET', keys.pointer(id))) as string | null) ?? undefined
      if (hash === undefined) return null
      hashById.set(id, hash)
      reply = await attempt(hash)
    }
    if (reply === 'G' && hash !== undefined) {
      // The key spends from a limit group: its record names the group's tag.
      const value = (await client.call('GET', keys.record(hash))) as string | null
      const tag = value === null ? null : decodeRecord(value).tag
      if (tag === null) return null
      tagById.set(id, tag)
      reply = await attempt(tag)
    }
    if (reply === null || reply === 'G') return null
    return snapshotOf(request, reply.split(','), 0)
  }
  return {
    spend,
    async consumeKey(id: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
      try {
        return (await spend(id, request))?.outcome ?? { status: 'not_found' }
      } catch (error) {
        throw storeFailure('apply usage limits', error)
      }
    },
  }
}
