import { StoreError } from '../../errors.js'

// The replies whose shape depends on the client. ioredis 5 speaks RESP2; ioredis 6 speaks RESP3 by
// default, and a user's client may also set `replyMapping: 'resp3'`. `client.call()` sends the raw
// command, so ioredis' own per-command reply transformers (keyed by lowercase name) do not apply:
// the store reads every such reply through here. Lua replies are alike under both protocols
// (Redis converts them as RESP2 unless a script calls redis.setresp(3)), as are plain strings,
// integers, nulls and flat lists.

function unexpected(command: string): StoreError {
  return new StoreError(
    `Redis answered ${command} in a shape this store does not know; pass an ioredis 5 or 6 client`,
  )
}

/**
 * ZRANGE-family replies WITHSCORES: flat [member, score, …] (RESP2), or pairs [[member, score], …]
 * (RESP3), the score a string or (replyMapping 'resp3') a number.
 */
export function scoredMembers(reply: unknown, command: string): Array<{ member: string; score: number }> {
  if (!Array.isArray(reply)) throw unexpected(command)
  const out: Array<{ member: string; score: number }> = []
  if (reply.length > 0 && Array.isArray(reply[0])) {
    for (const pair of reply) {
      if (!Array.isArray(pair) || pair.length !== 2) throw unexpected(command)
      out.push({ member: String(pair[0]), score: Number(pair[1]) })
    }
    return out
  }
  if (reply.length % 2 !== 0) throw unexpected(command)
  for (let i = 0; i < reply.length; i += 2)
    out.push({ member: String(reply[i]), score: Number(reply[i + 1]) })
  return out
}

/** HGETALL: flat [field, value, …] (RESP2, RESP3 with the default mapping) or an object (replyMapping 'resp3'). */
export function hashValues(reply: unknown, command: string): string[] {
  if (Array.isArray(reply)) {
    if (reply.length % 2 !== 0) throw unexpected(command)
    return reply.filter((_, i) => i % 2 === 1).map(String)
  }
  if (reply instanceof Map) return [...reply.values()].map(String)
  if (typeof reply === 'object' && reply !== null) return Object.values(reply).map(String)
  throw unexpected(command)
}
