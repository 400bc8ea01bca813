import { keyMatches, newestFirst, type SearchKeysQuery, type SearchPage } from './key-search.js'
import type { StoredKey } from './types.js'

/** memoryStore's searchKeys: one pass over its keys (records are frozen, returned as they are). */
export function memorySearch(byId: Map<string, StoredKey>) {
  return {
    async searchKeys(search: SearchKeysQuery): Promise<SearchPage<StoredKey>> {
      const matches: StoredKey[] = []
      for (const key of byId.values()) if (keyMatches(key, search)) matches.push(key)
      matches.sort(newestFirst)
      return { items: matches.slice(search.offset, search.offset + search.limit), total: matches.length }
    },
  }
}
