/**
 * Per-provider settings of a vault: where a provider answers (`baseUrl`), the platform's own key
 * (used when the policy allows it and no user or team key is there), and the fallback policy.
 */
import { ConfigError } from '../errors.js'
import { createProviderRegistry, type ProviderDefinition, type ProviderRegistry } from './providers.js'

/** A step `resolve` may fall back to after the caller's own key. */
export type FallbackStep = 'team' | 'platform'

/** How `vault.check` reaches a provider: the path of its cheapest authenticated endpoint and the auth header. */
export interface ProviderCheckEndpoint {
  /** Appended to baseUrl, e.g. `/v1/models`. */
  path: string
  /** `bearer` (Authorization: Bearer …), or the name of a header carrying the key (`x-api-key`). */
  auth: 'bearer' | string
  /** Extra headers, e.g. `{ 'anthropic-version': '2023-06-01' }`. */
  headers?: Record<string, string>
}

/** What `createVault({ providers: { openai: { … } } })` takes per provider. */
export interface ProviderSettings {
  /** Where the provider answers; the built-in providers have theirs (`https://api.openai.com`). */
  baseUrl?: string
  /** The platform's own key, used after the user's and team's keys when `fallback` includes 'platform'. */
  platformKey?: string
  /** Steps after the caller's own key, in order. Default `['team', 'platform']`; `[]` fails closed. */
  fallback?: readonly FallbackStep[]
  /** How `check` calls the provider. Default: the built-in's endpoint, else `GET /v1/models` with a bearer key. */
  check?: ProviderCheckEndpoint
  /** A provider that is not built in: its definition (label, pattern, example, format). */
  definition?: Omit<ProviderDefinition, 'id'>
}

/** A provider's settings after checking, with the defaults filled in. */
export interface ResolvedProviderSettings {
  baseUrl: string | null
  platformKey: string | null
  fallback: readonly FallbackStep[]
  check: ProviderCheckEndpoint
}

const BEARER_MODELS: ProviderCheckEndpoint = { path: '/v1/models', auth: 'bearer' }

/** Where the built-in providers answer and how their keys are tested. */
const BUILTIN_ENDPOINTS: Record<string, { baseUrl: string; check?: ProviderCheckEndpoint }> = {
  openai: { baseUrl: 'https://api.openai.com' },
  anthropic: {
    baseUrl: 'https://api.anthropic.com',
    check: { path: '/v1/models', auth: 'x-api-key', headers: { 'anthropic-version': '2023-06-01' } },
  },
  google: {
    baseUrl: 'https://generativelanguage.googleapis.com',
    check: { path: '/v1beta/models', auth: 'x-goog-api-key' },
  },
  mistral: { baseUrl: 'https://api.mistral.ai' },
  groq: { baseUrl: 'https://api.groq.com/openai' },
  openrouter: { baseUrl: 'https://openrouter.ai/api', check: { path: '/v1/key', auth: 'bearer' } },
  xai: { baseUrl: 'https://api.x.ai' },
  deepseek: { baseUrl: 'https://api.deepseek.com', check: { path: '/models', auth: 'bearer' } },
  cohere: { baseUrl: 'https://api.cohere.com' },
  huggingface: { baseUrl: 'https://huggingface.co', check: { path: '/api/whoami-v2', auth: 'bearer' } },
  perplexity: { baseUrl: 'https://api.perplexity.ai' },
}

const DEFAULT_FALLBACK: readonly FallbackStep[] = Object.freeze(['team', 'platform'])
const HEADER_NAME = /^[a-z0-9-]{1,64}$/

function checkBaseUrl(id: string, baseUrl: unknown): string {
  if (typeof baseUrl !== 'string') throw new ConfigError(`providers.${id}.baseUrl must be a URL string`)
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new ConfigError(`providers.${id}.baseUrl must be an http(s) URL such as https://api.openai.com`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`providers.${id}.baseUrl must be an http(s) URL such as https://api.openai.com`)
  }
  return baseUrl.replace(/\/+$/, '')
}

function checkEndpoint(id: string, check: unknown): ProviderCheckEndpoint {
  const c = check as ProviderCheckEndpoint
  if (!c || typeof c !== 'object' || typeof c.path !== 'string' || !c.path.startsWith('/')) {
    throw new ConfigError(`providers.${id}.check.path must be a path starting with "/", e.g. "/v1/models"`)
  }
  if (typeof c.auth !== 'string' || (c.auth !== 'bearer' && !HEADER_NAME.test(c.auth))) {
    throw new ConfigError(`providers.${id}.check.auth must be "bearer" or a lowercase header name`)
  }
  if (c.headers !== undefined && (typeof c.headers !== 'object' || c.headers === null)) {
    throw new ConfigError(`providers.${id}.check.headers must be an object of header names to values`)
  }
  return Object.freeze({ path: c.path, auth: c.auth, headers: { ...c.headers } })
}

function checkFallback(id: string, fallback: unknown): readonly FallbackStep[] {
  if (
    !Array.isArray(fallback) ||
    fallback.some((s) => s !== 'team' && s !== 'platform') ||
    new Set(fallback).size !== fallback.length
  ) {
    throw new ConfigError(
      `providers.${id}.fallback must list "team" and/or "platform" at most once each, e.g. ["team", "platform"], or [] to fail closed`,
    )
  }
  return Object.freeze([...fallback]) as readonly FallbackStep[]
}

/** The settings of one provider, from what the app gave and the built-in defaults. */
export function resolveProviderSettings(
  registry: ProviderRegistry,
  id: string,
  given: ProviderSettings = {},
): ResolvedProviderSettings {
  const builtin = BUILTIN_ENDPOINTS[id]
  const baseUrl = given.baseUrl !== undefined ? checkBaseUrl(id, given.baseUrl) : (builtin?.baseUrl ?? null)
  let platformKey: string | null = null
  if (given.platformKey !== undefined && given.platformKey !== null) {
    if (typeof given.platformKey !== 'string' || given.platformKey.trim() === '') {
      throw new ConfigError(`providers.${id}.platformKey must be a non-empty string`)
    }
    platformKey = given.platformKey.trim()
    const definition = registry.get(id)
    if (definition && !definition.pattern.test(platformKey)) {
      // Never echo the key: name the expected shape only.
      throw new ConfigError(
        `providers.${id}.platformKey does not look like a ${definition.label} key: expected ${definition.format}`,
      )
    }
  }
  return Object.freeze({
    baseUrl,
    platformKey,
    fallback: given.fallback === undefined ? DEFAULT_FALLBACK : checkFallback(id, given.fallback),
    check: given.check !== undefined ? checkEndpoint(id, given.check) : (builtin?.check ?? BEARER_MODELS),
  })
}

/** Whether `providers` is the per-provider settings object (not an array, not a registry). */
export function isSettingsObject(providers: unknown): providers is Record<string, ProviderSettings> {
  return (
    typeof providers === 'object' &&
    providers !== null &&
    !Array.isArray(providers) &&
    typeof (providers as ProviderRegistry).assertKey !== 'function'
  )
}

/** The registry and settings from a per-provider settings object. */
export function registryFromSettings(settings: Record<string, ProviderSettings>): {
  registry: ProviderRegistry
  settings: Map<string, ProviderSettings>
} {
  const registry = createProviderRegistry()
  const byId = new Map<string, ProviderSettings>()
  for (const [id, entry] of Object.entries(settings)) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new ConfigError(`providers.${id} must be an object such as { baseUrl, platformKey, fallback }`)
    }
    if (entry.definition !== undefined) registry.register({ ...entry.definition, id })
    else if (!registry.has(id)) {
      throw new ConfigError(
        `providers.${id}: unknown provider; give its definition ({ label, pattern, example }) or use one of ${registry
          .list()
          .map((p) => p.id)
          .join(', ')}`,
      )
    }
    byId.set(id, entry)
  }
  return { registry, settings: byId }
}
