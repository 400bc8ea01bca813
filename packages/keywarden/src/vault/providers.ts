import { ConfigError, ValidationError } from '../errors.js'

/** A provider whose keys the vault accepts. */
export interface ProviderDefinition {
  /** Lowercase id used in the API and the store: `openai`. */
  id: string
  /** Display name: `OpenAI`. */
  label: string
  /** What a key of this provider looks like; `set` refuses keys that do not match. */
  pattern: RegExp
  /** A made-up key of the right shape, for placeholders in forms. */
  example: string
  /** What is expected, for error messages: `a key starting with "sk-"`. */
  format?: string
}

export interface ProviderRegistry {
  get(id: ProviderId): ProviderDefinition | undefined
  has(id: ProviderId): boolean
  /** Every provider, sorted by id. */
  list(): ProviderDefinition[]
  /** Adds or replaces a provider. */
  register(definition: ProviderDefinition): ProviderRegistry
  /** Throws ValidationError for an unknown provider or a key not matching its pattern. Never echoes the key. */
  assertKey(id: ProviderId, key: string): ProviderDefinition
}

export const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/

const BUILTINS = [
  {
    id: 'openai',
    label: 'OpenAI',
    pattern: /^sk-(?!ant-|or-)[A-Za-z0-9_-]{20,}$/,
    example: 'sk-proj-AbCdEf0123456789AbCdEf0123456789',
    format: 'a key starting with "sk-" (project keys "sk-proj-")',
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    pattern: /^sk-ant-[A-Za-z0-9_-]{20,}$/,
    example: 'sk-ant-api03-AbCdEf0123456789AbCdEf0123456789',
    format: 'a key starting with "sk-ant-"',
  },
  {
    id: 'google',
    label: 'Google AI (Gemini)',
    pattern: /^AIza[A-Za-z0-9_-]{30,40}$/,
    example: 'AIzaSyAbCdEf0123456789AbCdEf0123456789',
    format: 'a key starting with "AIza" followed by about 35 letters, digits, "-" or "_"',
  },
  {
    id: 'mistral',
    label: 'Mistral AI',
    pattern: /^[A-Za-z0-9]{32}$/,
    example: 'AbCdEf0123456789AbCdEf0123456789',
    format: 'a key of 32 letters and digits',
  },
  {
    id: 'groq',
    label: 'Groq',
    pattern: /^gsk_[A-Za-z0-9]{20,}$/,
    example: 'gsk_AbCdEf0123456789AbCdEf0123456789',
    format: 'a key starting with "gsk_"',
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    pattern: /^sk-or-[A-Za-z0-9_-]{20,}$/,
    example: 'sk-or-v1-abcdef0123456789abcdef0123456789',
    format: 'a key starting with "sk-or-" (usually "sk-or-v1-")',
  },
  {
    id: 'xai',
    label: 'xAI (Grok)',
    pattern: /^xai-[A-Za-z0-9]{20,}$/,
    example: 'xai-AbCdEf0123456789AbCdEf0123456789',
    format: 'a key starting with "xai-"',
  },
  {
    id: 'deepseek',
    label: 'DeepSeek',
    pattern: /^sk-[a-f0-9]{32}$/,
    example: 'sk-0123456789abcdef0123456789abcdef',
    format: 'a key of "sk-" followed by 32 hex digits',
  },
  {
    id: 'cohere',
    label: 'Cohere',
    pattern: /^[A-Za-z0-9]{40}$/,
    example: 'AbCdEf0123456789AbCdEf0123456789AbCdEf01',
    format: 'a key of 40 letters and digits',
  },
  {
    id: 'huggingface',
    label: 'Hugging Face',
    pattern: /^hf_[A-Za-z0-9]{30,}$/,
    example: 'hf_AbCdEf0123456789AbCdEf0123456789',
    format: 'a key starting with "hf_"',
  },
  {
    id: 'perplexity',
    label: 'Perplexity',
    pattern: /^pplx-[A-Za-z0-9]{20,}$/,
    example: 'pplx-AbCdEf0123456789AbCdEf0123456789',
    format: 'a key starting with "pplx-"',
  },
] as const satisfies readonly ProviderDefinition[]

/** The id of a built-in provider: `'openai'`, `'anthropic'`, … */
export type KnownProvider = (typeof BUILTINS)[number]['id']

/**
 * A provider id: the built-in ones are suggested by the editor, any other registered id is
 * accepted too (`string & {}` keeps the suggestions from collapsing into plain `string`).
 */
export type ProviderId = KnownProvider | (string & {})

export const builtinProviders: readonly ProviderDefinition[] = Object.freeze(BUILTINS)

function checkDefinition(definition: ProviderDefinition): ProviderDefinition {
  if (!definition || typeof definition !== 'object') throw new ConfigError('a provider must be an object')
  const { id, label, pattern, example, format } = definition
  if (typeof id !== 'string' || !PROVIDER_ID.test(id)) {
    throw new ConfigError(
      `provider id "${String(id).slice(0, 40)}" must be 1-64 characters of a-z 0-9 _ -, starting with a letter or digit`,
    )
  }
  if (typeof label !== 'string' || label.length === 0) throw new ConfigError(`provider "${id}" needs a label`)
  if (!(pattern instanceof RegExp)) throw new ConfigError(`provider "${id}" needs a RegExp pattern`)
  if (pattern.global || pattern.sticky) {
    throw new ConfigError(`provider "${id}": pattern must not use the g or y flag (test() would keep state)`)
  }
  if (typeof example !== 'string' || !pattern.test(example)) {
    throw new ConfigError(`provider "${id}": example must be a string its pattern accepts`)
  }
  return Object.freeze({
    id,
    label,
    pattern,
    example,
    format: typeof format === 'string' ? format : `a ${label} key`,
  })
}

/** A registry holding the built-in providers (unless `builtins: false`) plus the app's own, which win on id. */
export function createProviderRegistry(
  extra: readonly ProviderDefinition[] = [],
  { builtins = true }: { builtins?: boolean } = {},
): ProviderRegistry {
  const byId = new Map<string, ProviderDefinition>()
  const registry: ProviderRegistry = {
    get: (id) => byId.get(id),
    has: (id) => byId.has(id),
    list: () => [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    register(definition) {
      const checked = checkDefinition(definition)
      byId.set(checked.id, checked)
      return registry
    },
    assertKey(id, key) {
      const definition = typeof id === 'string' ? byId.get(id) : undefined
      if (!definition) {
        throw new ValidationError(
          `unknown provider "${String(id).slice(0, 64)}"; use one of ${[...byId.keys()].join(', ')} or register it in createVault({ providers })`,
          { field: 'provider' },
        )
      }
      if (typeof key !== 'string' || !definition.pattern.test(key)) {
        throw new ValidationError(
          `that does not look like a ${definition.label} key: expected ${definition.format ?? `a ${definition.label} key`} (e.g. ${definition.example})`,
          { field: 'apiKey' },
        )
      }
      return definition
    },
  }
  if (builtins) for (const definition of builtinProviders) registry.register(definition)
  for (const definition of extra) registry.register(definition)
  return registry
}
