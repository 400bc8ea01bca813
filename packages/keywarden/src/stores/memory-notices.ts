import { assertClaim, type NoticeStore } from './notice-types.js'

export type { NoticeStore } from './notice-types.js'

/** memoryStore's notice claims: a Map in this process (claims are kept for good; ttlMs is ignored). */
export function memoryNotices(): NoticeStore {
  const claims = new Map<string, string>()
  return {
    async claimNotice(id, options = {}) {
      assertClaim(id, options)
      if (claims.has(id)) return false
      claims.set(id, options.value ?? '')
      return true
    },
    async readNotice(id) {
      assertClaim(id)
      return claims.get(id) ?? null
    },
  }
}
