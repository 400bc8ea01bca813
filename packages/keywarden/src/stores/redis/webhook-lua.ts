import { script } from './client.js'

// Lua scripts of redisStore's webhooks (webhooks.ts). Every webhook key shares the hash tag
// `{<ns>:webhooks}`, so each script runs on one slot, also on a cluster. KEYS[1] is always the
// `due` set (it routes the script to that slot); ARGV[1] is the key prefix `<ns>:wh:{<ns>:webhooks}:`,
// from which scripts build per-entry key names (`ep:`, `d:`, `ed:`, `a:`, `ea:` + id), because the
// entries a lease or a delete reaches are only known inside the script.

/** Creates endpoint hash `ep:<ARGV[2]>` from field pairs ARGV[4..] and indexes it as ARGV[3]; 0 when it exists. */
export const CREATE_WEBHOOK = script(`
local key = ARGV[1] .. 'ep:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, unpack(ARGV, 4))
redis.call('ZADD', ARGV[1] .. 'eps', 0, ARGV[3])
return 1`)

/** Sets field pairs ARGV[3..] on endpoint ARGV[2] when it exists; returns its fields, or false. */
export const UPDATE_WEBHOOK = script(`
local key = ARGV[1] .. 'ep:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return false end
if #ARGV > 2 then redis.call('HSET', key, unpack(ARGV, 3)) end
return redis.call('HGETALL', key)`)

/** HGETALL of endpoints ARGV[2..], in order. */
export const READ_WEBHOOKS = script(`
local out = {}
for i = 2, #ARGV do out[i - 1] = redis.call('HGETALL', ARGV[1] .. 'ep:' .. ARGV[i]) end
return out`)

/** Deletes endpoint ARGV[2] (index member ARGV[3] built from its createdAt) with its outbox entries and attempts. */
export const DELETE_WEBHOOK = script(`
local p = ARGV[1]
local id = ARGV[2]
local created = redis.call('HGET', p .. 'ep:' .. id, 'createdAt')
if not created then return 0 end
redis.call('DEL', p .. 'ep:' .. id)
redis.call('ZREM', p .. 'eps', string.format('%015d', tonumber(created)) .. ':' .. id)
for _, d in ipairs(redis.call('SMEMBERS', p .. 'ed:' .. id)) do
  redis.call('DEL', p .. 'd:' .. d)
  redis.call('ZREM', p .. 'due', d)
end
redis.call('DEL', p .. 'ed:' .. id)
for _, m in ipairs(redis.call('ZRANGE', p .. 'ea:' .. id, 0, -1)) do
  redis.call('DEL', p .. 'a:' .. string.sub(m, 17))
end
redis.call('DEL', p .. 'ea:' .. id)
return 1`)

/**
 * Writes outbox entries: ARGV[2] = fields per entry; then per entry its id, endpointId, status,
 * nextAt and its field pairs (fields - 4 values). An id that exists is skipped.
 */
export const ENQUEUE = script(`
local p = ARGV[1]
local n = tonumber(ARGV[2])
local i = 3
while i <= #ARGV do
  local id, endpoint, status, nextAt = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local key = p .. 'd:' .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, unpack(ARGV, i + 4, i + n - 1))
    redis.call('SADD', p .. 'ed:' .. endpoint, id)
    if status == 'pending' then redis.call('ZADD', p .. 'due', nextAt, id) end
  end
  i = i + n
end
return 1`)

/**
 * Leases up to ARGV[5] pending entries due by ARGV[2] (ms) whose lease ended by then, oldest due
 * first (ties by id), to owner ARGV[4] until ARGV[3]; returns their fields. One script: each due
 * entry goes to exactly one caller. `due` holds the pending entries, scored by nextAt (an id
 * whose entry is gone or not pending is passed over, never recreated).
 */
export const LEASE = script(`
local p = ARGV[1]
local now = tonumber(ARGV[2])
local limit = tonumber(ARGV[5])
local out = {}
local offset = 0
local batch = math.max(limit * 2, 64)
while #out < limit do
  local ids = redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', ARGV[2], 'LIMIT', offset, batch)
  for _, id in ipairs(ids) do
    local key = p .. 'd:' .. id
    local state = redis.call('HMGET', key, 'status', 'leaseUntil')
    if state[1] == 'pending' and tonumber(state[2] or '0') <= now then
      redis.call('HSET', key, 'leaseOwner', ARGV[4], 'leaseUntil', ARGV[3])
      out[#out + 1] = redis.call('HGETALL', key)
      if #out >= limit then break end
    end
  end
  if #ids < batch then break end
  offset = offset + batch
end
return out`)

/**
 * Records an attempt of entry ARGV[2] only while ARGV[3] holds its lease: ARGV[4] status,
 * ARGV[5] nextAt, ARGV[6] retry, ARGV[7] updatedAt, ARGV[8] attempt id, ARGV[9] its endpoint,
 * ARGV[10] its index member, ARGV[11] its JSON. 0 (nothing written) when the lease was lost.
 */
export const FINISH = script(`
local p = ARGV[1]
local key = p .. 'd:' .. ARGV[2]
if redis.call('HGET', key, 'leaseOwner') ~= ARGV[3] then return 0 end
redis.call('HSET', key, 'status', ARGV[4], 'nextAt', ARGV[5], 'retry', ARGV[6], 'updatedAt', ARGV[7], 'leaseUntil', '0')
redis.call('HDEL', key, 'leaseOwner')
redis.call('HINCRBY', key, 'attempts', 1)
if ARGV[4] == 'pending' then
  redis.call('ZADD', p .. 'due', ARGV[5], ARGV[2])
else
  redis.call('ZREM', p .. 'due', ARGV[2])
end
if redis.call('SET', p .. 'a:' .. ARGV[8], ARGV[11], 'NX') then
  redis.call('ZADD', p .. 'ea:' .. ARGV[9], 0, ARGV[10])
end
return 1`)

/** Entry ARGV[2] pending again, due at ARGV[3], retry 0 (its lease unchanged); its fields, or false. */
export const REQUEUE = script(`
local p = ARGV[1]
local key = p .. 'd:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return false end
redis.call('HSET', key, 'status', 'pending', 'nextAt', ARGV[3], 'retry', '0', 'updatedAt', ARGV[3])
redis.call('ZADD', p .. 'due', ARGV[3], ARGV[2])
return redis.call('HGETALL', key)`)

/** GET of attempts ARGV[2..], in order. */
export const READ_ATTEMPTS = script(`
local out = {}
for i = 2, #ARGV do out[i - 1] = redis.call('GET', ARGV[1] .. 'a:' .. ARGV[i]) or '' end
return out`)
