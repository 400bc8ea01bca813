import type { SecretRecord } from '../stores/types.js'
import type { VaultCipher } from './cipher.js'
import { maskKey } from './mask.js'
import type { ProviderRegistry } from './providers.js'
import { makeRef } from './refs.js'
import { secretAad } from './scope.js'
import type { SecretSummary } from './types.js'

export function isExpired(record: SecretRecord, now: Date): boolean {
  return record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime()
}

/** Turning plaintext into stored records and back, under the vault's cipher. */
export function vaultSealing(cipher: VaultCipher, providers: ProviderRegistry) {
  return {
    /** A record for `plaintext`, encrypted under the current key and bound to scope + provider. */
    seal: (
      base: Omit<SecretRecord, 'ciphertext' | 'keyId' | 'fingerprint' | 'masked'>,
      plaintext: string,
    ) => ({
      ...base,
      ciphertext: cipher.encrypt(plaintext, secretAad(base.scope, base.provider)),
      keyId: cipher.currentKeyId,
      fingerprint: cipher.fingerprint(plaintext),
      masked: maskKey(plaintext),
    }),

    open: (record: SecretRecord) =>
      cipher.decrypt(record.ciphertext, secretAad(record.scope, record.provider)),

    /** What a caller may see of a record: masked, never the plaintext. */
    summary: (record: SecretRecord): SecretSummary => ({
      provider: record.provider,
      label: providers.get(record.provider)?.label ?? record.provider,
      masked: record.masked,
      fingerprint: record.fingerprint,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      ref: makeRef(record.scope, record.provider, record.fingerprint),
    }),
  }
}

export type VaultSealing = ReturnType<typeof vaultSealing>
