import { ValidationError } from '../errors.js'
import type { VaultHandle } from './types.js'

export interface ImportFromEnvOptions {
  /** Variable name prefix; the provider id follows in upper case with `-` as `_`. Default `API_KEY_`. */
  prefix?: string
  env?: Record<string, string | undefined>
}

export interface ImportFromEnvResult {
  /** Providers whose variable was set and stored. */
  imported: string[]
  /** Providers whose variable was absent or empty. */
  missing: string[]
}

/** Stores `API_KEY_OPENAI` & co. into a vault handle (cjm-fasthtml-byok's import_from_env). */
export async function importFromEnv(
  handle: VaultHandle,
  providers: readonly string[],
  { prefix = 'API_KEY_', env = process.env }: ImportFromEnvOptions = {},
): Promise<ImportFromEnvResult> {
  if (!handle || typeof handle.set !== 'function') {
    throw new ValidationError('importFromEnv needs a vault handle from vault.for(...)', { field: 'handle' })
  }
  if (!Array.isArray(providers)) {
    throw new ValidationError('providers must be an array of provider ids', { field: 'providers' })
  }
  if (typeof prefix !== 'string') throw new ValidationError('prefix must be a string', { field: 'prefix' })
  const result: ImportFromEnvResult = { imported: [], missing: [] }
  for (const provider of providers) {
    const name = `${prefix}${String(provider).toUpperCase().replace(/-/g, '_')}`
    const value = env[name]?.trim()
    if (!value) {
      result.missing.push(provider)
      continue
    }
    try {
      await handle.set(provider, value)
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(`environment variable ${name}: ${error.message}`, {
          field: name,
          cause: error,
        })
      }
      throw error
    }
    result.imported.push(provider)
  }
  return result
}
