/**
 * A ref names one stored provider key without revealing it: `<scope>/<provider>@<fp>` where fp is
 * the first 8 hex digits of the key's fingerprint (an HMAC under the vault's key), so a replaced
 * key is a new ref. The platform key is `platform/<provider>@<fp>`.
 */
import { ValidationError } from '../errors.js'

export const PLATFORM_SCOPE = 'platform'
const REF = /^(.{1,600})\/([a-z0-9][a-z0-9_-]{0,63})@([0-9a-f]{8})$/

export function makeRef(scope: string, provider: string, fingerprint: string): string {
  return `${scope}/${provider}@${fingerprint.slice(0, 8)}`
}

export interface ParsedRef {
  scope: string
  provider: string
  fingerprint: string
}

/** Throws ValidationError when `ref` is not one `resolve` returns. */
export function parseRef(ref: unknown): ParsedRef {
  const match = typeof ref === 'string' ? REF.exec(ref) : null
  if (!match) {
    throw new ValidationError(
      'ref must be the ref resolve() returned, such as "user:alice/openai@1a2b3c4d" or "platform/openai@1a2b3c4d"',
      { field: 'ref' },
    )
  }
  return { scope: match[1] as string, provider: match[2] as string, fingerprint: match[3] as string }
}
