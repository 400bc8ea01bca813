import { script } from './client.js'

// A key record is one string (codec.ts): lastUsedAt at byte 0 (13), remaining + lastRefillAt at 13
// (29), JSON starting {"id":"…", at byte 42. Lua strings are 1-based: the JSON starts at 43.

/**
 * Compare-and-set of everything but lastUsedAt (credits + JSON). KEYS: record. ARGV: id prefix,
 * expected body, new body, ttl ('keep' | '' to persist | ms). -1: record gone; 0: changed meanwhile.
 */
export const updateRecord = script(`
local value = redis.call('GET', KEYS[1])
if not value or string.sub(value, 43, 42 + #ARGV[1]) ~= ARGV[1] then return -1 end
if string.sub(value, 14) ~= ARGV[2] then return 0 end
local next = string.sub(value, 1, 13) .. ARGV[3]
if ARGV[4] == 'keep' then redis.call('SET', KEYS[1], next, 'KEEPTTL')
elseif ARGV[4] == '' then redis.call('SET', KEYS[1], next)
else redis.call('SET', KEYS[1], next, 'PX', ARGV[4]) end
return 1`)

/** Sets lastUsedAt (13 characters) when the record still belongs to the id. KEYS: record. ARGV: id prefix, value. */
export const touchRecord = script(`
if redis.call('GETRANGE', KEYS[1], 42, 41 + #ARGV[1]) ~= ARGV[1] then return 0 end
redis.call('SETRANGE', KEYS[1], 0, ARGV[2])
return 1`)

/** Deletes the record of the id and its counters; returns its value or nil. KEYS: record, windows. ARGV: id prefix. */
export const deleteRecord = script(`
local value = redis.call('GET', KEYS[1])
if not value or string.sub(value, 43, 42 + #ARGV[1]) ~= ARGV[1] then return false end
redis.call('DEL', KEYS[1], KEYS[2])
return value`)

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
