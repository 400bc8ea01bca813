import { ValidationError } from '../errors.js'
import { vaultChangeEvents } from './events.js'
import type { ResolvedVaultOptions } from './options.js'
import { isExpired, type VaultSealing } from './sealing.js'
import type { RotateOptions, RotateProgress } from './types.js'

/** Runs `work` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/** vault.rotate and vault.purgeExpired: passes over every stored secret, page by page. */
export function vaultMaintenance({
  store,
  now,
  cipher,
  open,
  seal,
  events,
}: ResolvedVaultOptions & VaultSealing) {
  const changes = vaultChangeEvents(events)
  return {
    async rotate({ onProgress, pageSize = 500, concurrency = 16, actor, requestId }: RotateOptions = {}) {
      const ctx = changes.context({ actor, requestId })
      if (!Number.isInteger(pageSize) || pageSize < 1)
        throw new ValidationError('pageSize must be a positive integer')
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new ValidationError('concurrency must be a positive integer')
      }
      if (onProgress !== undefined && typeof onProgress !== 'function') {
        throw new ValidationError('onProgress must be a function')
      }
      const progress: RotateProgress = { scanned: 0, rotated: 0, upToDate: 0, conflicts: 0, failed: [] }
      let cursor: string | null = null
      do {
        const page = await store.scanSecrets({ limit: pageSize, cursor })
        await forEachLimited(page.items, concurrency, async (record) => {
          progress.scanned++
          // Every value is decrypted, current ones too: a key id names a key but does not prove it is
          // the same secret, and a wrong secret under the right id must fail here, not report success.
          let plaintext: string
          try {
            plaintext = open(record)
          } catch (error) {
            progress.failed.push({
              scope: record.scope,
              provider: record.provider,
              reason: (error as Error).message,
            })
            return
          }
          if (
            record.keyId === cipher.currentKeyId &&
            record.ciphertext.startsWith(`kw1.${cipher.currentKeyId}.`)
          ) {
            progress.upToDate++
            return
          }
          const fresh = seal({ ...record, updatedAt: now() }, plaintext)
          if (await store.putSecret(fresh, { ifCiphertext: record.ciphertext })) progress.rotated++
          else progress.conflicts++
        })
        onProgress?.({ ...progress, failed: [...progress.failed] })
        cursor = page.nextCursor
      } while (cursor)
      const { scanned, rotated, upToDate, conflicts } = progress
      await changes.vault('vault.rotated', cipher.currentKeyId, ctx, {
        scanned,
        rotated,
        upToDate,
        conflicts,
        failed: progress.failed.length,
      })
      return progress
    },

    async purgeExpired({ pageSize = 500 }: { pageSize?: number } = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1)
        throw new ValidationError('pageSize must be a positive integer')
      const at = now()
      let purged = 0
      let cursor: string | null = null
      do {
        const page = await store.scanSecrets({ limit: pageSize, cursor })
        for (const record of page.items) {
          if (!isExpired(record, at)) continue
          // The store re-checks the expiry in the delete itself: a value set again since the scan survives.
          if (await store.deleteSecret(record.scope, record.provider, { expiredBefore: at })) purged++
        }
        cursor = page.nextCursor
      } while (cursor)
      return purged
    },
  }
}
