import { script } from './client.js'
import {
  beforeCredits,
  CREDITS_OFFSET,
  creditsOf,
  fromCredits,
  idPrefixOf,
  idPrefixRange,
  isGrouped,
  LAST_USED_OFFSET,
  lastRefillIn,
  remainingIn,
} from './lua.js'

// A key record is one string (codec.ts); lua.ts turns its layout into the Lua used here.

/**
 * Compare-and-set of everything but lastUsedAt (credits + JSON). KEYS: record. ARGV: id prefix,
 * expected body, new body, ttl ('keep' | '' to persist | ms). -1: record gone; 0: changed meanwhile.
 */
export const updateRecord = script(`
local value = redis.call('GET', KEYS[1])
if not value or ${idPrefixOf('value', 1)} ~= ARGV[1] then return -1 end
if ${fromCredits('value')} ~= ARGV[2] then return 0 end
local next = ${beforeCredits('value')} .. ARGV[3]
if ARGV[4] == 'keep' then redis.call('SET', KEYS[1], next, 'KEEPTTL')
elseif ARGV[4] == '' then redis.call('SET', KEYS[1], next)
else redis.call('SET', KEYS[1], next, 'PX', ARGV[4]) end
return 1`)

/** Sets lastUsedAt when the record still belongs to the id. KEYS: record. ARGV: id prefix, value. */
export const touchRecord = script(`
if redis.call('GETRANGE', ${idPrefixRange('KEYS[1]', 1)}) ~= ARGV[1] then return 0 end
redis.call('SETRANGE', KEYS[1], ${LAST_USED_OFFSET}, ARGV[2])
return 1`)

/**
 * Deletes the record of the id and its counters; returns its value or nil. A key of a limit group
 * leaves the counters: they are the group's (see leaveGroup). KEYS: record, windows. ARGV: id prefix.
 */
export const deleteRecord = script(`
local value = redis.call('GET', KEYS[1])
if not value or ${idPrefixOf('value', 1)} ~= ARGV[1] then return false end
if ${isGrouped('value')} then redis.call('DEL', KEYS[1]) else redis.call('DEL', KEYS[1], KEYS[2]) end
return value`)

/** Lua: the group KEYS[1] lives at least ARGV[ttlArg] ms more ('' = as long as it is kept). */
const extendTtl = (ttlArg: number) => `
if ARGV[${ttlArg}] == '' then redis.call('PERSIST', KEYS[1])
else
  local left = redis.call('PTTL', KEYS[1])
  if left >= 0 and left < tonumber(ARGV[${ttlArg}]) then redis.call('PEXPIRE', KEYS[1], ARGV[${ttlArg}]) end
end`

/**
 * A roll's new key joins a limit group. The first roll creates the group on its first key's slot:
 * that key's balance moves into it, atomically with that key's own spends, and the key's credit
 * fields become GROUPED. Answers the group's balance, or nil when the group is gone or its first
 * key is not there to start one. KEYS: group, record of the first key. ARGV: ttl ('' = none),
 * first key's id prefix, first key's id, new key's id, GROUPED.
 */
export const joinGroup = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  local value = redis.call('GET', KEYS[2])
  if not value or ${idPrefixOf('value', 2)} ~= ARGV[2] or ${isGrouped('value')} then
    return false
  end
  redis.call('HSET', KEYS[1], 'c', ${creditsOf('value')}, 'm:' .. ARGV[3], '1')
  redis.call('SETRANGE', KEYS[2], ${CREDITS_OFFSET}, ARGV[5])
  if ARGV[1] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
else
${extendTtl(1)}
end
redis.call('HSET', KEYS[1], 'm:' .. ARGV[4], '1')
return redis.call('HGET', KEYS[1], 'c')`)

/** Keeps a group at least as long as a member that now expires later. KEYS: group. ARGV: ttl. */
export const extendGroup = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${extendTtl(1)}
return 1`)

/**
 * Sets a group's balance: remaining and/or lastRefillAt (fixed-width), '' keeps one.
 * Answers the new balance, or nil when the group is gone. KEYS: group.
 */
export const setGroupCredits = script(`
local c = redis.call('HGET', KEYS[1], 'c')
if not c then return false end
local r = ARGV[1]
if r == '' then r = ${remainingIn('c')} end
local f = ARGV[2]
if f == '' then f = ${lastRefillIn('c')} end
redis.call('HSET', KEYS[1], 'c', r .. f)
return r .. f`)

/**
 * Members ARGV leave a group; with no member left, the group and its counters are deleted.
 * Answers the ids of the members left. KEYS: group, its windows.
 */
export const leaveGroup = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
for i = 1, #ARGV do redis.call('HDEL', KEYS[1], 'm:' .. ARGV[i]) end
local left = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, 2) == 'm:' then left[#left + 1] = string.sub(field, 3) end
end
if #left == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return left`)

/** Deletes the key only while it holds the value. KEYS: key. ARGV: value. */
export const deleteIfEqual = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

/**
 * Cache tier fill, only while no invalidation happened since the read that saw `generation`
 * (so a slow reader cannot put back what a writer just invalidated).
 * KEYS: record, generation. ARGV: generation or '', value, ttl ms.
 */
export const cacheFill = script(`
local current = redis.call('GET', KEYS[2]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`)

/** Cache tier invalidation. KEYS: record, generation. ARGV: generation ttl ms. */
export const cacheForget = script(`
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`)

/** Compare-and-set put of a secret. KEYS: scope hash. ARGV: provider, expected ciphertext, json. */
export const putSecretIf = script(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local ok, record = pcall(cjson.decode, current)
if not ok or record.ciphertext ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`)

/**
 * Deletes one secret; returns { deleted, left }. KEYS: scope hash. ARGV: provider, and optionally
 * an instant (epoch ms): then only a record whose expiresAt is set and not after it is deleted.
 */
export const deleteSecret = script(`
if ARGV[2] then
  local current = redis.call('HGET', KEYS[1], ARGV[1])
  if not current then return { 0, redis.call('HLEN', KEYS[1]) } end
  local ok, record = pcall(cjson.decode, current)
  if not ok or type(record.expiresAt) ~= 'number' or record.expiresAt > tonumber(ARGV[2]) then
    return { 0, redis.call('HLEN', KEYS[1]) }
  end
end
local deleted = redis.call('HDEL', KEYS[1], ARGV[1])
return { deleted, redis.call('HLEN', KEYS[1]) }`)

/** Deletes every secret of a scope; returns how many. KEYS: scope hash. */
export const clearSecrets = script(`
local count = redis.call('HLEN', KEYS[1])
redis.call('DEL', KEYS[1])
return count`)
