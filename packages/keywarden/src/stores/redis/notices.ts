import { assertClaim, type NoticeStore } from '../notice-types.js'
import { storeFailure } from './client.js'
import type { RedisContext } from './context.js'

/** Notice claims in Redis: SET NX (with PX when a ttl is given) decides the one winner. */
export function redisNotices(ctx: RedisContext): NoticeStore {
  return {
    async claimNotice(id, options = {}) {
      assertClaim(id, options)
      const ttl = options.ttlMs === undefined ? [] : ['PX', options.ttlMs]
      try {
        const client = await ctx.client()
        const reply = await client.call('SET', ctx.keys.notice(id), options.value ?? '', ...ttl, 'NX')
        return reply === 'OK'
      } catch (error) {
        throw storeFailure('claim a notice', error)
      }
    },

    async readNotice(id) {
      assertClaim(id)
      try {
        const client = await ctx.client()
        const value = (await client.call('GET', ctx.keys.notice(id))) as string | Buffer | null
        return value === null ? null : String(value)
      } catch (error) {
        throw storeFailure('read a notice', error)
      }
    },
  }
}
