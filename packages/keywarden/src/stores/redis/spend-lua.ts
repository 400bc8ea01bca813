import { ValidationError } from '../../errors.js'
import { windowStart } from '../sliding-window.js'
import type { ConsumeRequest, RateLimitRule } from '../types.js'
import {
  CREDITS_OFFSET,
  formatLastRefill,
  formatRemaining,
  isNull,
  lastRefillIn,
  remainingIn,
} from './lua.js'

// The Lua of a spend, shared by the scripts of consume.ts, consume-by-hash.ts and windows.ts. It
// makes the decision of sliding-window.ts (decideConsume) with the same float expressions, so the
// same answer. What a request asks comes as one JSON argument (decoded by cjson into `a`), window
// starts and field names included: one argument and no string.format per rule keep a spend close
// to a GET. Replies are one comma-separated string, for the same reason.

/**
 * The request as the one argument the scripts decode into `a`: cost, now, refill at and amount
 * (false without a refill), rule count, the windows' TTL (twice the longest window, as text), then per rule
 * limit, windowMs, the start of the window of `now`, and the fields of that window, the one
 * before, and the one before that (dropped once this one counts).
 */
export function spendArgs(request: ConsumeRequest): string {
  if (typeof request !== 'object' || request === null || !Array.isArray(request.rateLimits)) {
    throw new ValidationError('request must be { cost, now, rateLimits, refill }')
  }
  const { cost, now, refill, rateLimits } = request
  const head = refill ? `${cost},${now},${refill.at},${refill.amount}` : `${cost},${now},false,false`
  return `[${head},${rateLimits.length},${windowsArgs(rateLimits, now).text}]`
}

/** The rules' part of spendArgs, from the TTL on: the same for every `now` of the same windows. */
interface WindowsText {
  text: string
  /** The `now`s it holds for: [from, until). */
  from: number
  until: number
}

// Keyed by the rules array, which the engine takes from a key record that stays the same object
// while the record is unchanged: verifications of one key within one window reuse the text.
const windowsTexts = new WeakMap<readonly RateLimitRule[], WindowsText>()

function windowsArgs(rateLimits: readonly RateLimitRule[], now: number): WindowsText {
  const known = windowsTexts.get(rateLimits)
  if (known && now >= known.from && now < known.until) return known
  const parts: Array<string | number> = []
  let ttl = 0
  let from = Number.NEGATIVE_INFINITY
  let until = Number.POSITIVE_INFINITY
  for (const { name, limit, windowMs } of rateLimits) {
    const start = windowStart(now, windowMs)
    parts.push(limit, windowMs, start, `${name}:${start}`, `${name}:${start - windowMs}`)
    parts.push(`${name}:${start - 2 * windowMs}`)
    ttl = Math.max(ttl, 2 * windowMs)
    from = Math.max(from, start)
    until = Math.min(until, start + windowMs)
  }
  const text = JSON.stringify([String(ttl), ...parts]).slice(1, -1)
  const made = { text, from, until }
  windowsTexts.set(rateLimits, made)
  return made
}

/** Lua: `a` (spendArgs) from ARGV[arg], and the variables every spend reads from it. */
export const decodeArgs = (arg: number) => `local a = cjson.decode(ARGV[${arg}])
local cost = a[1]
local now = a[2]
local n = a[5]`

/**
 * Lua reading, for each of the `n` rules, the counts of the window of `now` and the one before
 * from the HASH KEYS[keyIndex]; appends them to `reply`, notes the fields to count and to drop,
 * and sets `blocked`.
 */
export function readWindows(keyIndex: number): string {
  return `local fields = {}
local stale = {}
local blocked = false
for i = 1, n do
  local b = 7 + 6 * (i - 1)
  local w = a[b + 1]
  local counts = redis.call('HMGET', KEYS[${keyIndex}], a[b + 3], a[b + 4])
  local cur = counts[1] or '0'
  local prev = counts[2] or '0'
  reply[#reply + 1] = prev
  reply[#reply + 1] = cur
  fields[i] = a[b + 3]
  stale[i] = a[b + 5]
  if tonumber(prev) * ((w - (now - a[b + 2])) / w) + tonumber(cur) + 1 > a[b] then blocked = true end
end`
}

/**
 * Lua counting one in each rule's window of `now` (HASH KEYS[keyIndex]). Only a window's first
 * count drops the stale fields and sets the TTL: every field is then kept at least twice its
 * window after its creation, which is as long as it is read.
 */
export function countWindows(keyIndex: number): string {
  return `local opened = false
for i = 1, n do
  if redis.call('HINCRBY', KEYS[${keyIndex}], fields[i], 1) == 1 then opened = true end
end
if opened then
  redis.call('HDEL', KEYS[${keyIndex}], unpack(stale))
  redis.call('PEXPIRE', KEYS[${keyIndex}], a[6])
end`
}

/**
 * Lua that spends from credit fields `credits` (read from the record KEYS[1] when `inRecord`, else
 * from the group HASH KEYS[3]) and counts in the windows KEYS[2]: refill, then every rate limit,
 * then credits, all or nothing; writes what changed and answers `head` followed by the snapshot
 * it read (remaining, lastRefillAt, then prev, cur per rule), comma-separated, which snapshotOf
 * (consume.ts) turns into the outcome, so every store reports limits identically. Needs `a`.
 */
export function spendLua(head: string): string {
  return `local rtext = ${remainingIn('credits')}
local ftext = ${lastRefillIn('credits')}
local remaining = nil
if not (${isNull('rtext')}) then remaining = tonumber(rtext) end
local lastRefill = nil
if not (${isNull('ftext')}) then lastRefill = tonumber(ftext) end
local before = remaining
local reply = { ${head}rtext, ftext }
${readWindows(2)}
local refilled = false
if a[3] and remaining ~= nil and (lastRefill == nil or lastRefill < a[3]) then
  remaining = a[4]
  lastRefill = a[3]
  refilled = true
end
local spend = false
if not blocked and not (remaining ~= nil and remaining < math.max(cost, 1)) and cost > 0 then
  spend = true
  if remaining ~= nil then remaining = remaining - cost end
end
if refilled or (spend and before ~= nil) then
  local text = ${formatRemaining('remaining')}
  if refilled then text = text .. ${formatLastRefill('lastRefill')} end
  if inRecord then redis.call('SETRANGE', KEYS[1], ${CREDITS_OFFSET}, text)
  else
    if not refilled then text = text .. ftext end
    redis.call('HSET', KEYS[3], 'c', text)
  end
end
if spend and n > 0 then
${countWindows(2)}
end
return table.concat(reply, ',')`
}
