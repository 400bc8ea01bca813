import type { KeyFilters } from './views/keys-page.js'

export const KEYS_PAGE_SIZE = 20
const MAX_OFFSET = 1_000_000

/**
 * A keys page's search from its URL: q, owner, state and offset. Unknown or malformed values fall
 * back to "any" / the first page rather than an error: the URL is the user's to edit.
 */
export function keysPageQuery(url: string): {
  filters: KeyFilters
  /** The search as a query string without offset, for the pager's links. */
  search: string
  offset: number
  limit: number
} {
  const params = new URL(url, 'http://dashboard.invalid').searchParams
  const text = (name: string, max: number) => (params.get(name) ?? '').trim().slice(0, max)
  const stateParam = params.get('state')
  const state =
    stateParam === 'active' || stateParam === 'revoked' || stateParam === 'expired' ? stateParam : ''
  const filters: KeyFilters = { query: text('q', 200), ownerId: text('owner', 200), state }
  const rawOffset = params.get('offset') ?? '0'
  const offset = /^\d{1,7}$/.test(rawOffset) ? Math.min(Number(rawOffset), MAX_OFFSET) : 0
  const search = new URLSearchParams()
  if (filters.query) search.set('q', filters.query)
  if (filters.ownerId) search.set('owner', filters.ownerId)
  if (filters.state) search.set('state', filters.state)
  return { filters, search: search.toString(), offset, limit: KEYS_PAGE_SIZE }
}
