import { ValidationError } from '../../errors.js'
import { expiryBound } from '../secret-delete.js'
import type { Page, PutSecretOptions, ScanQuery, SecretRecord, SecretStore } from '../types.js'
import { type RedisClientLike, storeFailure } from './client.js'
import { decodeSecret, encodeSecret } from './codec.js'
import type { RedisContext } from './context.js'
import { hashValues } from './replies.js'
import { clearSecrets, deleteSecret, putSecretIf } from './scripts.js'

const byProvider = (a: SecretRecord, b: SecretRecord) =>
  a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0

function assertRecord(record: SecretRecord): void {
  if (typeof record !== 'object' || record === null)
    throw new ValidationError('record must be a SecretRecord object')
  for (const field of ['scope', 'provider', 'ciphertext'] as const) {
    if (typeof record[field] !== 'string' || record[field].length === 0)
      throw new ValidationError(`record.${field} must be a non-empty string`, { field })
  }
}

function decodeScanCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString())
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string')
      return [value[0], value[1]]
  } catch {}
  throw new ValidationError('cursor is not one this store returned; pass nextCursor from the previous page', {
    field: 'cursor',
  })
}

/**
 * Vault secrets in Redis: one HASH per scope (provider -> JSON), so everything one scope needs is
 * a single key on a single node. A lexicographic sorted set of scopes gives scanSecrets its
 * stable order. Expired secrets are not dropped by Redis: the vault's purgeExpired removes them.
 */
export function redisSecretStore(ctx: RedisContext): Omit<SecretStore, 'close'> {
  const { keys } = ctx

  /** After a scope hash may have become empty: unindex it, then re-index it if a put raced in. */
  async function unindexIfEmpty(client: RedisClientLike, scope: string): Promise<void> {
    await client.call('ZREM', keys.scopes, scope)
    if ((await client.call('EXISTS', keys.secrets(scope))) === 1)
      await client.call('ZADD', keys.scopes, 0, scope)
  }

  const secrets: Omit<SecretStore, 'close'> = {
    async putSecret(record, { ifCiphertext }: PutSecretOptions = {}) {
      assertRecord(record)
      try {
        const client = await ctx.client()
        const key = keys.secrets(record.scope)
        if (ifCiphertext !== undefined) {
          return (
            (await putSecretIf.run(client, [key], [record.provider, ifCiphertext, encodeSecret(record)])) ===
            1
          )
        }
        // Write first, index second: a concurrent delete that unindexes the scope re-checks it.
        await client.call('HSET', key, record.provider, encodeSecret(record))
        await client.call('ZADD', keys.scopes, 0, record.scope)
        return true
      } catch (error) {
        throw storeFailure('write a secret', error)
      }
    },

    async getSecret(scope, provider) {
      try {
        const client = await ctx.client()
        const json = (await client.call('HGET', keys.secrets(scope), provider)) as string | null
        return json === null ? null : decodeSecret(json)
      } catch (error) {
        throw storeFailure('read a secret', error)
      }
    },

    async listSecrets(scope) {
      try {
        const client = await ctx.client()
        const values = hashValues(await client.call('HGETALL', keys.secrets(scope)), 'HGETALL')
        return values.map(decodeSecret).sort(byProvider)
      } catch (error) {
        throw storeFailure('list secrets', error)
      }
    },

    async deleteSecret(scope, provider, options) {
      const bound = expiryBound(options)
      try {
        const client = await ctx.client()
        const args = bound === undefined ? [provider] : [provider, String(bound)]
        const [deleted, left] = (await deleteSecret.run(client, [keys.secrets(scope)], args)) as [
          number,
          number,
        ]
        if (left === 0) await unindexIfEmpty(client, scope)
        return deleted === 1
      } catch (error) {
        throw storeFailure('delete a secret', error)
      }
    },

    async clearSecrets(scope) {
      try {
        const client = await ctx.client()
        const count = (await clearSecrets.run(client, [keys.secrets(scope)], [])) as number
        await unindexIfEmpty(client, scope)
        return count
      } catch (error) {
        throw storeFailure('clear secrets', error)
      }
    },

    async scanSecrets({ limit, cursor }: ScanQuery): Promise<Page<SecretRecord>> {
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new ValidationError('limit must be a positive integer', { field: 'limit' })
      const after = cursor ? decodeScanCursor(cursor) : null
      const found: Array<{ scope: string; record: SecretRecord }> = []
      try {
        const client = await ctx.client()
        const batch = Math.max(limit, 16)
        let from = after ? `[${after[0]}` : '-'
        while (found.length <= limit) {
          const scopes = (await client.call(
            'ZRANGEBYLEX',
            keys.scopes,
            from,
            '+',
            'LIMIT',
            0,
            batch,
          )) as string[]
          if (scopes.length === 0) break
          const lists = await Promise.all(scopes.map((scope) => secrets.listSecrets(scope)))
          for (const [i, scope] of scopes.entries()) {
            for (const record of lists[i] ?? []) {
              if (after && scope === after[0] && record.provider <= after[1]) continue
              found.push({ scope, record })
            }
          }
          from = `(${scopes[scopes.length - 1]}`
          if (scopes.length < batch) break
        }
      } catch (error) {
        throw storeFailure('scan secrets', error)
      }
      const page = found.slice(0, limit)
      const last = page[page.length - 1]
      return {
        items: page.map(({ record }) => record),
        nextCursor:
          found.length > limit && last
            ? Buffer.from(JSON.stringify([last.scope, last.record.provider])).toString('base64url')
            : null,
      }
    },
  }
  return secrets
}
