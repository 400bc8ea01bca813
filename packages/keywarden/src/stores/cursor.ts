import { ValidationError } from '../errors.js'
import type { Page } from './types.js'

/** Position after an item ordered newest first by (createdAt, id). Opaque to callers. */
export interface KeyCursor {
  createdAt: number
  id: string
}

export function encodeCursor(cursor: KeyCursor): string {
  return Buffer.from(`${cursor.createdAt}:${cursor.id}`).toString('base64url')
}

export function decodeCursor(cursor: string): KeyCursor {
  const text = Buffer.from(cursor, 'base64url').toString()
  const colon = text.indexOf(':')
  const createdAt = Number(text.slice(0, colon))
  const id = text.slice(colon + 1)
  if (colon < 1 || !Number.isSafeInteger(createdAt) || id.length === 0) {
    throw new ValidationError(
      'cursor is not one this store returned; pass nextCursor from the previous page',
      {
        field: 'cursor',
      },
    )
  }
  return { createdAt, id }
}

/** True when (createdAt, id) comes after the cursor in newest-first order. */
export function isAfterCursor(createdAt: number, id: string, cursor: KeyCursor): boolean {
  return createdAt < cursor.createdAt || (createdAt === cursor.createdAt && id < cursor.id)
}

/**
 * One page of a newest-first read of up to `limit + 1` items past the cursor: the first `limit`,
 * and the cursor after the last of them when more follow.
 */
export function pageFrom<T>(read: readonly T[], limit: number, position: (item: T) => KeyCursor): Page<T> {
  const items = read.slice(0, limit)
  const last = items[items.length - 1]
  return {
    items,
    nextCursor: read.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  }
}

/** For in-process stores: the items past the cursor, newest first by (createdAt, id), one page. */
export function pageInMemory<T>(
  items: Iterable<T>,
  position: (item: T) => KeyCursor,
  query: { limit: number; cursor?: string | null | undefined },
): Page<T> {
  const after = query.cursor ? decodeCursor(query.cursor) : null
  const matches: Array<{ item: T; at: KeyCursor }> = []
  for (const item of items) {
    const at = position(item)
    if (after === null || isAfterCursor(at.createdAt, at.id, after)) matches.push({ item, at })
  }
  matches.sort(
    (a, b) => b.at.createdAt - a.at.createdAt || (a.at.id < b.at.id ? 1 : a.at.id > b.at.id ? -1 : 0),
  )
  return pageFrom(
    matches.map((m) => m.item),
    query.limit,
    position,
  )
}

/** The position of a key (newest first by createdAt, id). */
export const keyPosition = (key: { createdAt: Date; id: string }): KeyCursor => ({
  createdAt: key.createdAt.getTime(),
  id: key.id,
})

/** The position of an audit entry (newest first by at, id). */
export const auditPosition = (entry: { at: Date; id: string }): KeyCursor => ({
  createdAt: entry.at.getTime(),
  id: entry.id,
})
