import { ConfigError } from '../errors.js'
import { type EntropyEstimate, estimateEntropy } from './entropy.js'
import type { PatternKind } from './patterns.js'

/** A secret as the app passes it: text, or raw bytes. */
export type SecretInput = string | Uint8Array

/** Every secret keywarden accepts (vault keys, sealed cookies, the server's KEYWARDEN_SECRET) meets this rule. */
export const MIN_SECRET_BYTES = 32
/** As much as 16 random bytes: far below any 32-byte random secret, far above any pattern. */
export const MIN_SECRET_BITS = 128

const FIX = `use at least ${MIN_SECRET_BYTES} random bytes, e.g. \`openssl rand -base64 32\``

// No examples here: a message must never echo a secret, not even by quoting the word it is made of.
const DESCRIBED: Record<PatternKind, string> = {
  repeat: 'repeated text',
  sequence: 'sequences of letters or digits',
  keyboard: 'runs of neighbouring keys',
  word: 'common words or placeholders',
}

function symbolsOf(secret: SecretInput): number[] {
  if (typeof secret !== 'string') return [...secret]
  const symbols: number[] = []
  for (const char of secret) symbols.push(char.codePointAt(0) as number)
  return symbols
}

/** The estimate the rule judges by (exported for `keywarden doctor` and tests). */
export function secretEntropy(secret: SecretInput): EntropyEstimate {
  return estimateEntropy(symbolsOf(secret))
}

function weakness({ bits, patterns, distinct }: EntropyEstimate): string {
  const made = patterns.length
    ? `it contains ${patterns.map((p) => DESCRIBED[p]).join(', ')}`
    : `it uses only ${distinct === 1 ? 'one character' : `${distinct} different characters`}`
  return `is too predictable (${made}; about ${Math.floor(bits)} bits of estimated entropy, at least ${MIN_SECRET_BITS} needed)`
}

/**
 * The one secret-strength rule: at least 32 bytes, and an entropy estimate that sees through
 * repeats, sequences, keyboard runs, common words and few distinct characters. Returns the
 * secret's bytes; throws ConfigError naming `what` (never quoting the secret) and the fix,
 * followed by `advice` when given.
 */
export function assertStrongSecret(secret: unknown, what: string, advice?: string): Buffer {
  const fail = (problem: string) =>
    new ConfigError(`${what} ${problem}; ${FIX}${advice ? `. ${advice}` : ''}`)
  let bytes: Buffer
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8')
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret)
  else throw fail(`must be a string or bytes`)
  if (bytes.length < MIN_SECRET_BYTES) throw fail(`is ${bytes.length} bytes`)
  const estimate = secretEntropy(secret as SecretInput)
  if (estimate.bits < MIN_SECRET_BITS) throw fail(weakness(estimate))
  return bytes
}
