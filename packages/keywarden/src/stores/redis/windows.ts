import { decideConsume, type WindowCounts, windowStart } from '../sliding-window.js'
import type { ConsumeOutcome, ConsumeRequest } from '../types.js'
import { script, storeFailure } from './client.js'
import type { RedisContext } from './context.js'
import { countWindows, decodeArgs, readWindows, spendArgs } from './spend-lua.js'

/**
 * Rate limits only, for a cache tier whose store of record (the cachedStore's primary) keeps the
 * credits: the window loop of spend-lua.ts on the windows HASH alone. KEYS: windows. ARGV:
 * spendArgs of a request without refill. Answers prev, cur per rule, comma-separated.
 */
const windowsScript = script(`
${decodeArgs(1)}
local reply = {}
${readWindows(1)}
if not blocked and cost > 0 and n > 0 then
${countWindows(1)}
end
return table.concat(reply, ',')`)

/** Takes back one count per rule in the windows of `now`. KEYS: windows. ARGV: field per rule. */
const refundScript = script(`
for i = 1, #ARGV do
  local count = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if count > 1 then redis.call('HINCRBY', KEYS[1], ARGV[i], -1)
  elseif count == 1 then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1`)

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
          [spendArgs({ ...request, refill: null })],
        )) as string
        const counts: WindowCounts[] = []
        const counted = reply === '' ? [] : reply.split(',')
        for (let i = 0; i < counted.length; i += 2)
          counts.push({ previous: Number(counted[i]), current: Number(counted[i + 1]) })
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
