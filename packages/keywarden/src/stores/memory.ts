import { ConflictError, ValidationError } from '../errors.js'
import type { AuditStore } from './audit-types.js'
import { keyPosition, pageInMemory } from './cursor.js'
import { assertKeyDates } from './dates.js'
import { counterId, groupOf } from './limit-group.js'
import { memoryAudit } from './memory-audit.js'
import { memoryNotices, type NoticeStore } from './memory-notices.js'
import { own } from './memory-records.js'
import { memorySearch } from './memory-search.js'
import { memoryUsage } from './memory-usage.js'
import { memoryWebhooks, type WebhookStore } from './memory-webhooks.js'
import { deletable, expiryBound } from './secret-delete.js'
import { decideConsume, type WindowCounts, windowStart } from './sliding-window.js'
import type {
  DeleteSecretOptions,
  KeyStore,
  ListKeysQuery,
  Page,
  PutSecretOptions,
  ScanQuery,
  SecretRecord,
  SecretStore,
  StoredKey,
} from './types.js'
import type { UsageStore } from './usage-types.js'

export type MemoryStoreOptions = Record<string, never>

export type MemoryStore = KeyStore & SecretStore & AuditStore & UsageStore & NoticeStore & WebhookStore

const SCAN_SEPARATOR = '\u0000'

/**
 * In-process store for issued keys and vault secrets, with usage limits and atomic roll. Records
 * are frozen, so reads return them without copying. Everything is lost when the process ends: for
 * tests, demos and single-process tools.
 * @throws nothing itself; its methods throw ConflictError (duplicate id or hash) and ValidationError
 * (an Invalid Date, a bad cursor) like every store.
 * @example
 * import { memoryStore } from 'keywarden/stores/memory'
 * const warden = createKeywarden({ store: memoryStore(), prefix: 'myapp' })
 */
export function memoryStore(_options: MemoryStoreOptions = {}): MemoryStore {
  const byId = new Map<string, StoredKey>()
  const byHash = new Map<string, StoredKey>()
  const secrets = new Map<string, Map<string, SecretRecord>>()
  // Rate-limit counters per counterId (the key's or its limit group's), then per rule name.
  const windows = new Map<string, Map<string, { start: number; previous: number; current: number }>>()
  // The ids of each limit group. Every member's record carries the group's balance, written together.
  const members = new Map<string, Set<string>>()

  const countsAt = (id: string, name: string, windowMs: number, now: number): WindowCounts => {
    const entry = windows.get(id)?.get(name)
    const start = windowStart(now, windowMs)
    if (!entry) return { previous: 0, current: 0 }
    if (entry.start === start) return { previous: entry.previous, current: entry.current }
    if (entry.start === start - windowMs) return { previous: entry.current, current: 0 }
    return { previous: 0, current: 0 }
  }

  const peek = (hash: string): StoredKey | null => byHash.get(hash) ?? null
  const put = (key: StoredKey) => {
    byId.set(key.id, key)
    byHash.set(key.hash, key)
    if (key.limitId) {
      members.set(key.limitId, (members.get(key.limitId) ?? new Set<string>()).add(key.id))
    }
  }
  /** Writes a balance to the key, or to every key of its limit group. */
  const putCredits = (key: StoredKey, credits: Pick<StoredKey, 'remaining' | 'lastRefillAt'>) => {
    const ids = key.limitId ? (members.get(key.limitId) ?? [key.id]) : [key.id]
    for (const id of ids) {
      const member = byId.get(id)
      if (member) put(Object.freeze({ ...member, ...credits }))
    }
  }

  const secretCopy = (record: SecretRecord): SecretRecord =>
    Object.freeze({
      ...record,
      createdAt: new Date(record.createdAt),
      updatedAt: new Date(record.updatedAt),
      expiresAt: record.expiresAt && new Date(record.expiresAt),
    })

  return {
    ...memoryAudit(),
    ...memorySearch(byId),
    ...memoryUsage(),
    ...memoryNotices(),
    ...memoryWebhooks(),

    async createKey(key) {
      assertKeyDates(key)
      if (byId.has(key.id)) throw new ConflictError(`a key with id "${key.id}" exists already`)
      if (byHash.has(key.hash)) throw new ConflictError('a key with the same hash exists already')
      put(own(key))
    },

    async getKeyByHash(hash) {
      return peek(hash)
    },

    peekKeyByHash: peek,

    async getKeyById(id) {
      return byId.get(id) ?? null
    },

    async listKeys({ ownerId, limit, cursor }: ListKeysQuery): Promise<Page<StoredKey>> {
      const keys = [...byId.values()].filter((key) => ownerId === undefined || key.ownerId === ownerId)
      return pageInMemory(keys, keyPosition, { limit, cursor })
    },

    async updateKey(id, patch) {
      assertKeyDates(patch)
      const current = byId.get(id)
      if (!current) return null
      const next = own({ ...current, ...patch })
      put(next)
      if (patch.remaining !== undefined || patch.lastRefillAt !== undefined)
        putCredits(next, { remaining: next.remaining, lastRefillAt: next.lastRefillAt })
      return next
    },

    // Synchronous from the checks to the last write: atomic, and nothing is written on a refusal.
    async rollKey(key, oldId, patch) {
      assertKeyDates(key)
      assertKeyDates(patch)
      const old = byId.get(oldId)
      if (!old) return null
      if (byId.has(key.id)) throw new ConflictError(`a key with id "${key.id}" exists already`)
      if (byHash.has(key.hash)) throw new ConflictError('a key with the same hash exists already')
      const group = groupOf(old)
      const previous = own({ ...old, ...patch, ...group })
      const created = own({ ...key, ...group, remaining: old.remaining, lastRefillAt: old.lastRefillAt })
      put(previous)
      put(created)
      return { previous, created }
    },

    async deleteKey(id) {
      const current = byId.get(id)
      if (!current) return false
      byId.delete(id)
      byHash.delete(current.hash)
      const group = current.limitId ? members.get(current.limitId) : undefined
      group?.delete(id)
      if (!group || group.size === 0) {
        windows.delete(counterId(current))
        if (current.limitId) members.delete(current.limitId)
      }
      return true
    },

    async touchKeys(entries) {
      for (const { id, lastUsedAt } of entries) {
        const current = byId.get(id)
        if (current) put(Object.freeze({ ...current, lastUsedAt: new Date(lastUsedAt) }))
      }
    },

    // Synchronous from read to write: atomic within the process, which is all a memory store has.
    async consumeKey(id, request) {
      const current = byId.get(id)
      if (!current) return { status: 'not_found' }
      const counter = counterId(current)
      const counts = request.rateLimits.map((rule) =>
        countsAt(counter, rule.name, rule.windowMs, request.now),
      )
      const decision = decideConsume(request, {
        remaining: current.remaining,
        lastRefillAt: current.lastRefillAt?.getTime() ?? null,
        counts,
      })
      if (decision.credits) {
        const { remaining, lastRefillAt } = decision.credits
        putCredits(current, {
          remaining,
          lastRefillAt: lastRefillAt === null ? null : new Date(lastRefillAt),
        })
      }
      if (decision.count) {
        const rules = windows.get(counter) ?? new Map()
        windows.set(counter, rules)
        request.rateLimits.forEach((rule, i) => {
          const { previous, current: count } = counts[i] as WindowCounts
          rules.set(rule.name, {
            start: windowStart(request.now, rule.windowMs),
            previous,
            current: count + 1,
          })
        })
      }
      return decision.outcome
    },

    async putSecret(record, { ifCiphertext }: PutSecretOptions = {}) {
      let scope = secrets.get(record.scope)
      if (ifCiphertext !== undefined && scope?.get(record.provider)?.ciphertext !== ifCiphertext) return false
      if (!scope) {
        scope = new Map()
        secrets.set(record.scope, scope)
      }
      scope.set(record.provider, secretCopy(record))
      return true
    },

    async getSecret(scope, provider) {
      return secrets.get(scope)?.get(provider) ?? null
    },

    async listSecrets(scope) {
      return [...(secrets.get(scope)?.values() ?? [])].sort((a, b) => (a.provider < b.provider ? -1 : 1))
    },

    async deleteSecret(scope, provider, options?: DeleteSecretOptions) {
      const bound = expiryBound(options)
      const records = secrets.get(scope)
      const record = records?.get(provider)
      if (!records || !record || !deletable(record, bound)) return false
      records.delete(provider)
      if (records.size === 0) secrets.delete(scope)
      return true
    },

    async clearSecrets(scope) {
      const count = secrets.get(scope)?.size ?? 0
      secrets.delete(scope)
      return count
    },

    async scanSecrets({ limit, cursor }: ScanQuery) {
      let after: string | null = null
      if (cursor) {
        after = Buffer.from(cursor, 'base64url').toString()
        if (!after.includes(SCAN_SEPARATOR)) {
          throw new ValidationError('cursor is not one this store returned', { field: 'cursor' })
        }
      }
      const all: Array<[string, SecretRecord]> = []
      for (const [scope, records] of secrets) {
        for (const [provider, record] of records) {
          const position = scope + SCAN_SEPARATOR + provider
          if (after === null || position > after) all.push([position, record])
        }
      }
      all.sort((a, b) => (a[0] < b[0] ? -1 : 1))
      const page = all.slice(0, limit)
      const last = page[page.length - 1]
      return {
        items: page.map(([, record]) => record),
        nextCursor: all.length > limit && last ? Buffer.from(last[0]).toString('base64url') : null,
      }
    },

    async close() {},
  }
}
