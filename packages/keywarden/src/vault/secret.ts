import { ConfigError } from '../errors.js'

export type SecretInput = string | Uint8Array

const MIN_BYTES = 32

// Words people leave in .env files. A secret made only of these (and digits) is a placeholder,
// however long: "changeme-changeme-changeme-changeme" is not a secret.
const PLACEHOLDER_WORDS = [
  'change',
  'me',
  'replace',
  'secret',
  'secrets',
  'password',
  'passwd',
  'pass',
  'default',
  'example',
  'sample',
  'test',
  'testing',
  'dev',
  'development',
  'prod',
  'production',
  'local',
  'todo',
  'fixme',
  'dummy',
  'placeholder',
  'insert',
  'your',
  'my',
  'here',
  'key',
  'app',
  'the',
  'session',
  'cookie',
  'keyboard',
  'cat',
  'super',
  'please',
  'x',
  'abc',
  'qwerty',
  'letmein',
  'admin',
  'foo',
  'bar',
  'baz',
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
]

/** Word break by dynamic programming: linear, unlike a regex of alternatives that can backtrack. */
function isPlaceholder(text: string): boolean {
  const normalized = text.toLowerCase().replace(/[^a-z0-9]/g, '')
  const reachable = new Array<boolean>(normalized.length + 1).fill(false)
  reachable[0] = true
  for (let i = 0; i < normalized.length; i++) {
    if (!reachable[i]) continue
    for (const word of PLACEHOLDER_WORDS)
      if (normalized.startsWith(word, i)) reachable[i + word.length] = true
  }
  return reachable[normalized.length] === true
}

/** Throws ConfigError unless `secret` is at least 32 bytes and not a known placeholder. */
export function assertStrongSecret(secret: unknown, what: string): Buffer {
  let bytes: Buffer
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8')
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret)
  else throw new ConfigError(`${what} must be a string or bytes of at least ${MIN_BYTES} bytes`)

  if (bytes.length < MIN_BYTES) {
    throw new ConfigError(
      `${what} is ${bytes.length} bytes; use at least ${MIN_BYTES} random bytes, e.g. \`openssl rand -base64 32\``,
    )
  }
  if (new Set(bytes).size < 5) {
    throw new ConfigError(
      `${what} repeats a few characters only; use at least ${MIN_BYTES} random bytes, e.g. \`openssl rand -base64 32\``,
    )
  }
  if (typeof secret === 'string' && isPlaceholder(secret)) {
    throw new ConfigError(
      `${what} is a placeholder made of words like "changeme" or "secret"; use at least ${MIN_BYTES} random bytes, e.g. \`openssl rand -base64 32\``,
    )
  }
  return bytes
}
