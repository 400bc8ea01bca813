/**
 * vault.check: tests a key against its provider's cheapest authenticated endpoint, with a
 * timeout. Answers are cached briefly per provider + key (by an HMAC of the key, never the key).
 * Nothing of the provider's answer body is kept or echoed: it may quote the key.
 */
import { ConfigError, ValidationError } from '../errors.js'
import type { ResolvedVaultOptions } from './options.js'
import type { VaultSealing } from './sealing.js'

/** What `vault.check` answers. */
export interface KeyCheckResult {
  /** The provider accepted the key (a 2xx answer). */
  ok: boolean
  /** The provider's HTTP status; null when it did not answer (timeout, network error, bad format). */
  status: number | null
  /** What happened, for people: never the key nor the provider's answer body. */
  detail: string
}

export interface KeyCheckOptions {
  /** How long to wait for the provider. Default 5000 ms. */
  timeoutMs?: number
  /** Skip the cache (the answer is cached again). Default false. */
  fresh?: boolean
}

const DEFAULT_TIMEOUT_MS = 5000
const MAX_TIMEOUT_MS = 60_000
const CACHE_MAX = 1000
/** An accepted or rejected key is stable for a minute; a rate limit or server error only briefly. */
const CACHE_MS = { settled: 60_000, transient: 5_000 }

function describe(status: number): { ok: boolean; detail: string; settled: boolean } {
  if (status >= 200 && status < 300)
    return { ok: true, detail: 'the provider accepted the key', settled: true }
  if (status === 401)
    return { ok: false, detail: 'the provider rejected the key (401): it is wrong or revoked', settled: true }
  if (status === 403) {
    return {
      ok: false,
      detail: 'the provider refused the key (403): it lacks permission or the account is disabled',
      settled: true,
    }
  }
  if (status === 429) {
    return {
      ok: false,
      detail: 'the provider is rate limiting this key or its quota is used up (429): try again later',
      settled: false,
    }
  }
  if (status >= 500)
    return { ok: false, detail: `the provider failed (${status}): try again later`, settled: false }
  return { ok: false, detail: `the provider answered ${status}`, settled: false }
}

export function vaultCheck(deps: ResolvedVaultOptions & VaultSealing) {
  const cache = new Map<string, { until: number; result: KeyCheckResult }>()

  return async function check(
    provider: string,
    apiKey: string,
    options: KeyCheckOptions = {},
  ): Promise<KeyCheckResult> {
    if (typeof provider !== 'string' || !deps.providers.has(provider)) {
      throw new ValidationError(
        `unknown provider "${String(provider).slice(0, 64)}"; use one of ${deps.providers
          .list()
          .map((p) => p.id)
          .join(', ')}`,
        { field: 'provider' },
      )
    }
    if (typeof apiKey !== 'string') throw new ValidationError('apiKey must be a string', { field: 'apiKey' })
    const { timeoutMs = DEFAULT_TIMEOUT_MS, fresh = false } = options ?? {}
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
      throw new ValidationError(`timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}`, {
        field: 'timeoutMs',
      })
    }
    const key = apiKey.trim()
    const definition = deps.providers.get(provider)
    if (!definition?.pattern.test(key)) {
      // Verification never throws for a bad key: answer without calling the provider.
      return {
        ok: false,
        status: null,
        detail: `that does not look like a ${definition?.label} key: expected ${definition?.format}`,
      }
    }
    const settings = deps.settingsOf(provider)
    if (settings.baseUrl === null) {
      throw new ConfigError(
        `provider "${provider}" has no baseUrl: set createVault({ providers: { ${provider}: { baseUrl } } })`,
      )
    }
    const cacheKey = `${provider}|${settings.baseUrl}|${deps.cipher.fingerprint(key)}`
    const at = deps.now().getTime()
    const hit = cache.get(cacheKey)
    if (hit && !fresh && hit.until > at) return { ...hit.result }

    const { path, auth, headers = {} } = settings.check
    const request: Record<string, string> = { accept: 'application/json', ...headers }
    if (auth === 'bearer') request.authorization = `Bearer ${key}`
    else request[auth] = key
    let result: KeyCheckResult
    let keepMs = 0
    try {
      const response = await fetch(`${settings.baseUrl}${path}`, {
        headers: request,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      })
      await response.body?.cancel().catch(() => {})
      const { ok, detail, settled } = describe(response.status)
      result = { ok, status: response.status, detail }
      keepMs = settled ? CACHE_MS.settled : CACHE_MS.transient
    } catch (error) {
      const name = (error as Error)?.name
      result = {
        ok: false,
        status: null,
        detail:
          name === 'TimeoutError' || name === 'AbortError'
            ? `the provider did not answer within ${timeoutMs} ms`
            : 'the provider could not be reached (network error)',
      }
    }
    if (keepMs > 0) {
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string)
      cache.set(cacheKey, { until: at + keepMs, result: { ...result } })
    }
    return result
  }
}
