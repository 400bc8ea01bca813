/** What secret scanners need to find keywarden keys in text. */
import { ValidationError } from '../errors.js'
import { assertPrefix, CHECKSUM_LENGTH, ENTROPY_LENGTH, isWellFormedKey } from './format.js'

const TOKEN_CHAR = '[A-Za-z0-9_]'

/**
 * A RegExp that matches keywarden keys of one prefix: `<prefix>_` + 43 + 6 base62 characters,
 * not inside a longer token. A RegExp cannot check the CRC32 checksum: keep the matches for which
 * `parseKey(match, prefix)` is not null (or use `findKeys`), which drops nearly every false positive.
 * No flags: make a global copy to scan, `new RegExp(keyPattern('myapp'), 'g')`.
 * @throws ConfigError when the prefix is not 1–24 of a-z 0-9 with inner underscores.
 * @example
 * import { keyPattern, parseKey } from 'keywarden'
 * const found = [...text.matchAll(new RegExp(keyPattern('myapp'), 'g'))]
 *   .map((m) => m[0])
 *   .filter((key) => parseKey(key, 'myapp') !== null)
 */
export function keyPattern(prefix: string): RegExp {
  assertPrefix(prefix)
  const body = `[0-9A-Za-z]{${ENTROPY_LENGTH + CHECKSUM_LENGTH}}`
  return new RegExp(`(?<!${TOKEN_CHAR})${prefix}_${body}(?!${TOKEN_CHAR})`)
}

const MAX_SCAN_LENGTH = 10_000_000

/**
 * Every keywarden key of `prefix` in `text` whose checksum is right, in order of appearance
 * (duplicates kept). Pure: no hashing, no store.
 * @throws ConfigError when the prefix is invalid.
 * @throws ValidationError when `text` is not a string (or is over 10 MB).
 * @example
 * findKeys(readFileSync('build.log', 'utf8'), 'myapp') // ['myapp_…', …]
 */
export function findKeys(text: string, prefix: string): string[] {
  const pattern = new RegExp(keyPattern(prefix), 'g')
  if (typeof text !== 'string' || text.length > MAX_SCAN_LENGTH) {
    throw new ValidationError('text must be a string of at most 10,000,000 characters', { field: 'text' })
  }
  return [...text.matchAll(pattern)].map((m) => m[0]).filter((key) => isWellFormedKey(key, prefix))
}
