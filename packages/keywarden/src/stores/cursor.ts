import { ValidationError } from '../errors.js'

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
