import { ValidationError } from '../../errors.js'
import { decideConsume, type WindowCounts, windowStart } from '../sliding-window.js'
import type { ConsumeOutcome, ConsumeRequest } from '../types.js'
import { script, storeFailure } from './client.js'
import { decodeRecord, idPrefix, unfixed } from './codec.js'
import type { RedisContext } from './context.js'
import {
  CREDITS_OFFSET,
  creditsOf,
  formatLastRefill,
  formatRemaining,
  idPrefixOf,
  isGrouped,
  isNull,
  lastRefillIn,
  NULL_LAST_REFILL,
  remainingIn,
} from './lua.js'

/**
 * Lua that reads, for each of `n` rules (name, limit, windowMs from ARGV after `argOffset`), the
 * counts of the window of `now` and the one before from the hash KEYS[keyIndex]; appends them to
 * `reply`, notes the fields to count and to drop, and sets `blocked` — the sliding-window formula
 * of sliding-window.ts, written once for both scripts.
 */
function readWindows(keyIndex: number, argOffset: number): string {
  return `for i = 1, n do
  local name = ARGV[${argOffset + 1} + 3 * i]
  local limit = tonumber(ARGV[${argOffset + 2} + 3 * i])
  local w = tonumber(ARGV[${argOffset + 3} + 3 * i])
  local start = math.floor(now / w) * w
  local cur = tonumber(redis.call('HGET', KEYS[${keyIndex}], name .. ':' .. string.format('%.0f', start)) or '0')
  local prev = tonumber(redis.call('HGET', KEYS[${keyIndex}], name .. ':' .. string.format('%.0f', start - w)) or '0')
  reply[#reply + 1] = tostring(prev)
  reply[#reply + 1] = tostring(cur)
  fields[i] = name .. ':' .. string.format('%.0f', start)
  stale[i] = name .. ':' .. string.format('%.0f', start - 2 * w)
  if 2 * w > ttl then ttl = 2 * w end
  if prev * ((w - (now - start)) / w) + cur + 1 > limit then blocked = true end
end`
}

/**
 * Atomic refill + rate limits + credits for one verification, on one slot: the record's, or for a
 * key of a limit group the group's (its balance in the group HASH, its counts in the group's first
 * key's windows). The script makes the same decision as decideConsume (same float expressions, so
 * the same answer), writes it, and returns the snapshot it read; decideConsume turns that snapshot
 * into the outcome, so every store reports limits identically. Answers 'G' for a key whose balance
 * is in a group other than KEYS[3]. KEYS: record, windows, group. ARGV: id prefix, cost, now,
 * refill at or '', refill amount, rule count, then name, limit, windowMs per rule.
 */
const consumeScript = script(`
local credits = redis.call('HGET', KEYS[3], 'c')
local value = nil
if not credits then
  value = redis.call('GET', KEYS[1])
  if not value or ${idPrefixOf('value', 1)} ~= ARGV[1] then return false end
  if ${isGrouped('value')} then return 'G' end
  credits = ${creditsOf('value')}
end
local rtext = ${remainingIn('credits')}
local ftext = ${lastRefillIn('credits')}
local remaining = nil
if not (${isNull('rtext')}) then remaining = tonumber(rtext) end
local lastRefill = nil
if not (${isNull('ftext')}) then lastRefill = tonumber(ftext) end
local before = remaining
local cost = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local n = tonumber(ARGV[6])
local reply = { rtext, ftext }
local fields = {}
local stale = {}
local ttl = 0
local blocked = false
${readWindows(2, 3)}
local refilled = false
if ARGV[4] ~= '' and remaining ~= nil and (lastRefill == nil or lastRefill < tonumber(ARGV[4])) then
  remaining = tonumber(ARGV[5])
  lastRefill = tonumber(ARGV[4])
  refilled = true
end
local spend = false
if not blocked and not (remaining ~= nil and remaining < math.max(cost, 1)) and cost > 0 then
  spend = true
  if remaining ~= nil then remaining = remaining - cost end
end
if refilled or (spend and before ~= nil) then
  local f = ${NULL_LAST_REFILL}
  if lastRefill ~= nil then f = ${formatLastRefill('lastRefill')} end
  local text = ${formatRemaining('remaining')} .. f
  if value then redis.call('SETRANGE', KEYS[1], ${CREDITS_OFFSET}, text) else redis.call('HSET', KEYS[3], 'c', text) end
end
if spend and n > 0 then
  for i = 1, n do
    redis.call('HINCRBY', KEYS[2], fields[i], 1)
    redis.call('HDEL', KEYS[2], stale[i])
  end
  redis.call('PEXPIRE', KEYS[2], string.format('%.0f', ttl))
end
return reply`)

export function redisConsume(ctx: RedisContext) {
  const { keys, hashById, tagById } = ctx
  return async function consumeKey(id: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
    if (typeof request !== 'object' || request === null || !Array.isArray(request.rateLimits)) {
      throw new ValidationError('request must be { cost, now, rateLimits, refill }')
    }
    try {
      const client = await ctx.client()
      const args: Array<string | number> = [
        idPrefix(id),
        request.cost,
        request.now,
        request.refill ? request.refill.at : '',
        request.refill ? request.refill.amount : '',
        request.rateLimits.length,
      ]
      for (const rule of request.rateLimits) args.push(rule.name, rule.limit, rule.windowMs)
      const attempt = async (tag: string) =>
        (await consumeScript.run(client, [keys.record(tag), keys.windows(tag), keys.group(tag)], args)) as
          | string[]
          | 'G'
          | null
      let hash = hashById.get(id)
      const known = tagById.get(id) ?? hash
      let reply = known === undefined ? null : await attempt(known)
      if (reply === null) {
        // Unknown or stale id -> hash pair: read the pointer.
        hash = ((await client.call('GET', keys.pointer(id))) as string | null) ?? undefined
        if (hash === undefined) return { status: 'not_found' }
        hashById.set(id, hash)
        reply = await attempt(hash)
      }
      if (reply === 'G' && hash !== undefined) {
        // The key spends from a limit group: its record names the group's tag.
        const value = (await client.call('GET', keys.record(hash))) as string | null
        const tag = value === null ? null : decodeRecord(value).tag
        if (tag === null) return { status: 'not_found' }
        tagById.set(id, tag)
        reply = await attempt(tag)
      }
      if (reply === null || reply === 'G') return { status: 'not_found' }
      const counts: WindowCounts[] = []
      for (let i = 2; i < reply.length; i += 2)
        counts.push({ previous: Number(reply[i]), current: Number(reply[i + 1]) })
      return decideConsume(request, {
        remaining: unfixed(reply[0] as string),
        lastRefillAt: unfixed(reply[1] as string),
        counts,
      }).outcome
    } catch (error) {
      throw storeFailure('apply usage limits', error)
    }
  }
}

/**
 * Rate limits only, for a cache tier whose store of record (the cachedStore's primary) keeps the
 * credits: the same window loop as above on the windows HASH alone. KEYS: windows. ARGV: cost,
 * now, rule count, then name, limit, windowMs per rule. Returns prev, cur per rule.
 */
const windowsScript = script(`
local cost = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local reply = {}
local fields = {}
local stale = {}
local ttl = 0
local blocked = false
${readWindows(1, 0)}
if not blocked and cost > 0 and n > 0 then
  for i = 1, n do
    redis.call('HINCRBY', KEYS[1], fields[i], 1)
    redis.call('HDEL', KEYS[1], stale[i])
  end
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl))
end
return reply`)

/** Takes back one count per rule in the windows of `now`. KEYS: windows. ARGV: field per rule. */
const refundScript = script(`
for i = 1, #ARGV do
  local count = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if count > 1 then redis.call('HINCRBY', KEYS[1], ARGV[i], -1)
  elseif count == 1 then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1`)

function ruleArgs(request: ConsumeRequest): Array<string | number> {
  const args: Array<string | number> = [request.rateLimits.length]
  for (const rule of request.rateLimits) args.push(rule.name, rule.limit, rule.windowMs)
  return args
}

/** countCachedWindows / refundCachedWindows of the cache tier (see cache-tier.ts). */
export function redisWindows(ctx: RedisContext) {
  const { keys } = ctx
  return {
    async countCachedWindows(counter: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
      try {
        const client = await ctx.client()
        const reply = (await windowsScript.run(
          client,
          [keys.windows(counter)],
          [request.cost, request.now, ...ruleArgs(request)],
        )) as string[]
        const counts: WindowCounts[] = []
        for (let i = 0; i < reply.length; i += 2)
          counts.push({ previous: Number(reply[i]), current: Number(reply[i + 1]) })
        return decideConsume({ ...request, refill: null }, { remaining: null, lastRefillAt: null, counts })
          .outcome
      } catch (error) {
        throw storeFailure('apply rate limits in the cache tier', error)
      }
    },

    async refundCachedWindows(counter: string, request: ConsumeRequest): Promise<void> {
      if (request.rateLimits.length === 0) return
      try {
        const client = await ctx.client()
        await refundScript.run(
          client,
          [keys.windows(counter)],
          request.rateLimits.map((rule) => `${rule.name}:${windowStart(request.now, rule.windowMs)}`),
        )
      } catch (error) {
        throw storeFailure('give back rate-limit counts in the cache tier', error)
      }
    },
  }
}
