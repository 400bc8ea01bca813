import { ValidationError } from '../errors.js'
import { KEY_STATES, type KeyState, keyMatches, type SearchKeysQuery } from '../stores/key-search.js'
import type { ApiKeyRecord, KeyStore, StoredKey } from '../stores/types.js'
import { toRecord } from './record.js'
import type { SearchKeysOptions, SearchKeysResult } from './types.js'
import { assertObject } from './validate.js'

const MAX_LIMIT = 1000
const MAX_OFFSET = 1_000_000
const MAX_QUERY = 256
/** Page size of the fallback's walk through listKeys. */
const WALK = 1000

function checkSearch(options: SearchKeysOptions, now: Date): SearchKeysQuery {
  const {
    query,
    ownerId,
    state,
    offset = 0,
    limit = 50,
  } = assertObject(options, 'options') as SearchKeysOptions
  if (query !== undefined && (typeof query !== 'string' || query.length > MAX_QUERY)) {
    throw new ValidationError(`query must be a string of at most ${MAX_QUERY} characters`, { field: 'query' })
  }
  if (ownerId !== undefined && (typeof ownerId !== 'string' || ownerId.length < 1 || ownerId.length > 256)) {
    throw new ValidationError('ownerId must be a string of 1 to 256 characters', { field: 'ownerId' })
  }
  if (state !== undefined && !KEY_STATES.includes(state as KeyState)) {
    throw new ValidationError(`state must be one of ${KEY_STATES.join(', ')}`, { field: 'state' })
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > MAX_OFFSET) {
    throw new ValidationError(`offset must be an integer from 0 to ${MAX_OFFSET}`, { field: 'offset' })
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIMIT}`, { field: 'limit' })
  }
  const trimmed = query?.trim()
  return { query: trimmed ? trimmed : undefined, ownerId, state, offset, limit, now }
}

/** For stores without searchKeys: every key (of the owner) through listKeys, filtered here. */
async function walkListKeys(store: KeyStore, search: SearchKeysQuery) {
  const items: StoredKey[] = []
  let total = 0
  let cursor: string | null = null
  do {
    const page = await store.listKeys({ ownerId: search.ownerId, limit: WALK, cursor })
    for (const key of page.items) {
      if (!keyMatches(key, search)) continue
      if (total >= search.offset && items.length < search.limit) items.push(key)
      total++
    }
    cursor = page.nextCursor
  } while (cursor)
  return { items, total }
}

/** keys.search: the store's searchKeys, or a walk through listKeys. */
export function createKeySearch(store: KeyStore, now: () => Date) {
  return async function search(options: SearchKeysOptions = {}): Promise<SearchKeysResult> {
    const query = checkSearch(options, now())
    const page = store.searchKeys ? await store.searchKeys(query) : await walkListKeys(store, query)
    return { items: page.items.map((key): ApiKeyRecord => toRecord(key)), total: page.total }
  }
}
