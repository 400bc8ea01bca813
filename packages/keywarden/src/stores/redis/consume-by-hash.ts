import { StoreError } from '../../errors.js'
import type { ConsumedByHash, ConsumeRequest, StoredKey } from '../types.js'
import { script, storeFailure } from './client.js'
import { unfixed } from './codec.js'
import { redisConsume, snapshotOf } from './consume.js'
import type { RedisContext } from './context.js'
import { creditsOf, isGrouped, jsonOf, lastUsedOf } from './lua.js'
import { type RecordEntry, type RedisRecords, jsonOf as recordJson } from './records.js'
import { decodeArgs, spendArgs, spendLua } from './spend-lua.js'

/**
 * The read and the spend of a verification in one script, on the record's slot: spends only when
 * the record's JSON (every field the engine's checks look at: revokedAt, expiresAt, scopes,
 * limits, …) is still that of the copy the request was planned on (sent along: a few hundred
 * bytes, cheaper than hashing them in Lua). Answers 'S,<lastUsedAt>,' then spendLua's snapshot;
 * 'G,<lastUsedAt>' for a key whose group lives on another slot (nothing spent); { 'C', record }
 * when the record changed (nothing spent); nil when there is none.
 * KEYS: record, windows, group (all under the key's hash). ARGV: the copy's JSON, spendArgs.
 */
const consumeByHashScript = script(`
${decodeArgs(2)}
local value = redis.call('GET', KEYS[1])
if not value then return false end
if ${jsonOf('value')} ~= ARGV[1] then return { 'C', value } end
local credits = nil
local inRecord = true
if ${isGrouped('value')} then
  credits = redis.call('HGET', KEYS[3], 'c')
  if not credits then return 'G,' .. ${lastUsedOf('value')} end
  inRecord = false
else
  credits = ${creditsOf('value')}
end
${spendLua(`'S', ${lastUsedOf('value')}, `)}`)

/** Plans that keep being overtaken by writes to the record: give up rather than loop. */
const MAX_ATTEMPTS = 10

/** The key of `entry` with the balance and lastUsedAt a script read; a group's key keeps it for plans. */
function shown(
  entry: RecordEntry,
  lastUsed: string,
  credits: Pick<StoredKey, 'remaining' | 'lastRefillAt'>,
): StoredKey {
  const at = unfixed(lastUsed)
  const key = { ...entry.key, ...credits, lastUsedAt: at === null ? null : new Date(at) }
  if (entry.tag !== null) entry.shown = key
  return key
}

/**
 * consumeByHash for redisStore: a limited verification in one round trip once this process has
 * read the key (the plan is made on that copy and the script checks it is still current). The
 * first verification in a process, a key the copy shows without limits, and a plan overtaken by a
 * write read the record first (one GET, as getKeyByHash). A key of a limit group other than the
 * group's first key spends in a second call: its group lives on another cluster slot.
 */
export function redisConsumeByHash(ctx: RedisContext, records: RedisRecords) {
  const { keys } = ctx
  const { spend } = redisConsume(ctx)

  async function consumeByHash(
    hash: string,
    plan: (key: StoredKey) => ConsumeRequest | null,
  ): Promise<ConsumedByHash> {
    const client = await ctx.client()
    let entry = records.last(hash)
    // The key as getKeyByHash would show it (a group's balance included), when read in this call.
    let fresh: StoredKey | null = null
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const request = entry ? plan(fresh ?? entry.shown ?? entry.key) : null
      if (entry && request) {
        const reply = (await consumeByHashScript.run(
          client,
          [keys.record(hash), keys.windows(hash), keys.group(hash)],
          [recordJson(entry), spendArgs(request)],
        )) as string | [string, string] | null
        if (reply === null) return { key: null, outcome: null }
        if (typeof reply === 'string') {
          const parts = reply.split(',')
          const lastUsed = parts[1] as string
          if (parts[0] === 'S') {
            const { outcome, credits } = snapshotOf(request, parts, 2)
            return { key: shown(entry, lastUsed, credits), outcome }
          }
          const spent = await spend(entry.key.id, request)
          if (spent === null) return { key: null, outcome: null }
          return { key: shown(entry, lastUsed, spent.credits), outcome: spent.outcome }
        }
        // Changed since the copy: plan again on the record as it is now.
        entry = records.remember(reply[1], hash)
        fresh = entry.tag === null ? entry.key : null
        continue
      }
      if (fresh) return { key: fresh, outcome: null }
      const value = (await client.call('GET', keys.record(hash))) as string | null
      fresh = await records.found(value, hash)
      if (fresh === null) return { key: null, outcome: null }
      entry = records.last(hash)
    }
    throw new StoreError(`the key changed ${MAX_ATTEMPTS} times while verifying it; try again`)
  }

  return async (hash: string, plan: (key: StoredKey) => ConsumeRequest | null): Promise<ConsumedByHash> => {
    try {
      return await consumeByHash(hash, plan)
    } catch (error) {
      throw storeFailure('verify a key with usage limits', error)
    }
  }
}
