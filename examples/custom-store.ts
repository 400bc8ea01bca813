import {
  assertKeyDates,
  ConflictError,
  type CounterSnapshot,
  decideConsume,
  decodeCursor,
  encodeCursor,
  isAfterCursor,
  type KeyStore,
  type RateLimitRule,
  type StoredKey,
  type WindowCounts,
  windowStart,
} from 'keywarden'

/**
 * A KeyStore over two Maps. Swap them for your database — a table unique on `id` and on `hash`,
 * and one row per (key, rate-limit rule) for the counters — and keep what the comments say.
 */
export function mapStore(): KeyStore {
  const keys = new Map<string, StoredKey>() // by id
  const idByHash = new Map<string, string>()
  const windows = new Map<string, { start: number } & WindowCounts>() // by `${id} ${rule.name}`

  // Callers keep their objects: store and hand out copies (a database does this by itself).
  const read = (id: string | undefined) => {
    const key = id === undefined ? undefined : keys.get(id)
    return key ? structuredClone(key) : null
  }
  const countsAt = (id: string, rule: RateLimitRule, now: number): WindowCounts => {
    const counts = windows.get(`${id} ${rule.name}`)
    const start = windowStart(now, rule.windowMs)
    if (counts?.start === start) return { previous: counts.previous, current: counts.current }
    if (counts?.start === start - rule.windowMs) return { previous: counts.current, current: 0 }
    return { previous: 0, current: 0 }
  }

  return {
    async createKey(key) {
      assertKeyDates(key)
      // Unique on id and hash in one atomic step (a unique index in SQL).
      if (keys.has(key.id) || idByHash.has(key.hash))
        throw new ConflictError('a key with this id or hash exists')
      keys.set(key.id, structuredClone(key))
      idByHash.set(key.hash, key.id)
    },
    async getKeyByHash(hash) {
      return read(idByHash.get(hash))
    },
    async getKeyById(id) {
      return read(id)
    },
    async listKeys({ ownerId, limit, cursor }) {
      const after = cursor ? decodeCursor(cursor) : null
      const page = [...keys.values()]
        .filter((k) => ownerId === undefined || k.ownerId === ownerId)
        .filter((k) => !after || isAfterCursor(k.createdAt.getTime(), k.id, after))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .slice(0, limit + 1)
      const items = page.slice(0, limit).map((k) => structuredClone(k))
      const last = items.at(-1)
      const more = page.length > limit && last
      return {
        items,
        nextCursor: more ? encodeCursor({ createdAt: last.createdAt.getTime(), id: last.id }) : null,
      }
    },
    async updateKey(id, patch) {
      assertKeyDates(patch)
      const key = keys.get(id)
      if (!key) return null
      const fields = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
      keys.set(id, { ...key, ...structuredClone(fields) })
      return read(id)
    },
    async deleteKey(id) {
      const key = keys.get(id)
      if (!key) return false
      keys.delete(id)
      idByHash.delete(key.hash)
      return true
    },
    async touchKeys(entries) {
      // One batched write in a database; unknown ids are ignored.
      for (const { id, lastUsedAt } of entries) {
        const key = keys.get(id)
        if (key) keys.set(id, { ...key, lastUsedAt: new Date(lastUsedAt) })
      }
    },
    // Optional: without it, keys on this store cannot carry credits or rate limits.
    async consumeKey(id, request) {
      // Read, decide and write with nothing in between: one transaction with the key's row locked.
      const key = keys.get(id)
      if (!key) return { status: 'not_found' }
      const snapshot: CounterSnapshot = {
        remaining: key.remaining,
        lastRefillAt: key.lastRefillAt?.getTime() ?? null,
        counts: request.rateLimits.map((rule) => countsAt(id, rule, request.now)),
      }
      // The same decision as every built-in store: refill, then each rate limit, then credits.
      const { outcome, credits, count } = decideConsume(request, snapshot)
      if (credits) {
        const lastRefillAt = credits.lastRefillAt === null ? null : new Date(credits.lastRefillAt)
        keys.set(id, { ...key, remaining: credits.remaining, lastRefillAt })
      }
      if (count) {
        request.rateLimits.forEach((rule, i) => {
          const { previous = 0, current = 0 } = snapshot.counts[i] ?? {}
          const start = windowStart(request.now, rule.windowMs)
          windows.set(`${id} ${rule.name}`, { start, previous, current: current + 1 })
        })
      }
      return outcome
    },
    async close() {
      // Release what the store opened (pools, clients); never what the app passed in.
    },
  }
}
