/**
 * GitHub's secret-scanning public keys: fetched from KEYWARDEN_GITHUB_KEYS_URL (the document
 * `{ public_keys: [{ key_identifier, key, is_current }] }`), cached, and fetched again when a
 * report names an identifier the cache lacks — at most once per `refetchAfterMs`, so forged
 * identifiers cannot make the server hammer GitHub.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto'

export const DEFAULT_GITHUB_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning'

export interface GithubKeysOptions {
  url: string
  fetch?: typeof fetch
  /** Least time between two fetches triggered by unknown identifiers. Default 60 s. */
  refetchAfterMs?: number
  now?: () => number
  /** Longest wait for the document. Default 5 s. */
  timeoutMs?: number
}

export interface GithubKeys {
  /** True when `signature` (base64 DER) is a valid ECDSA P-256 SHA-256 signature of `body` by key `keyId`. */
  verify(body: Uint8Array, keyId: string, signature: string): Promise<boolean>
}

function parseDocument(json: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>()
  const list = (json as { public_keys?: unknown })?.public_keys
  if (!Array.isArray(list)) throw new Error('the GitHub keys document has no public_keys array')
  for (const entry of list) {
    const { key_identifier: id, key } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown }
    if (typeof id !== 'string' || typeof key !== 'string') continue
    try {
      const object = createPublicKey(key)
      if (object.asymmetricKeyType === 'ec') keys.set(id, object)
    } catch {
      // A key this node cannot read is skipped; the others still verify.
    }
  }
  return keys
}

export function githubKeys(options: GithubKeysOptions): GithubKeys {
  const { url, refetchAfterMs = 60_000, now = Date.now, timeoutMs = 5000 } = options
  const fetchImpl = options.fetch ?? fetch
  let cache = new Map<string, KeyObject>()
  let fetchedAt = Number.NEGATIVE_INFINITY
  let pending: Promise<void> | null = null

  const refresh = (): Promise<void> => {
    pending ??= (async () => {
      fetchedAt = now()
      const res = await fetchImpl(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (!res.ok) throw new Error(`the GitHub keys document answered ${res.status}`)
      cache = parseDocument(await res.json())
    })().finally(() => {
      pending = null
    })
    return pending
  }

  return {
    async verify(body, keyId, signature) {
      if (!cache.has(keyId) && now() - fetchedAt >= refetchAfterMs) await refresh()
      const key = cache.get(keyId)
      if (!key) return false
      const der = Buffer.from(signature, 'base64')
      if (der.length === 0 || der.length > 256) return false
      try {
        return verify('sha256', body, { key, dsaEncoding: 'der' }, der)
      } catch {
        return false
      }
    },
  }
}
