import { ValidationError } from '../../errors.js'
import { expiryBound } from '../secret-delete.js'
import type { SecretRecord, SecretStore } from '../types.js'
import type { SqlDialect } from './dialects/types.js'
import type { Lifecycle } from './lifecycle.js'
import { secretFromRow, secretToRow } from './rows.js'

function encodeScanCursor(scope: string, provider: string): string {
  return Buffer.from(JSON.stringify([scope, provider])).toString('base64url')
}

function decodeScanCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString())
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string'))
      return value as [string, string]
  } catch {}
  throw new ValidationError('cursor is not one this store returned; pass nextCursor from the previous page', {
    field: 'cursor',
  })
}

/** The SecretStore half of sqlStore: one row per (scope, provider) in the secrets table. */
export function secretMethods(
  { guarded }: Lifecycle,
  table: string,
  dialect: SqlDialect,
): Omit<SecretStore, 'close'> {
  return {
    async putSecret(record: SecretRecord, { ifCiphertext } = {}) {
      return guarded('write a secret', async ({ q }) => {
        const { scope, provider, ...rest } = secretToRow(record)
        if (ifCiphertext !== undefined) {
          const result = await q
            .updateTable(table)
            .set(rest)
            .where('scope', '=', scope)
            .where('provider', '=', provider)
            .where('ciphertext', '=', ifCiphertext)
            .executeTakeFirst()
          return result.numUpdatedRows > 0n
        }
        const insert = q.insertInto(table).values({ scope, provider, ...rest })
        await dialect.upsert(insert, ['scope', 'provider'], rest).execute()
        return true
      })
    },

    async getSecret(scope, provider) {
      return guarded('read a secret', async ({ q }) => {
        const row = await q
          .selectFrom(table)
          .selectAll()
          .where('scope', '=', scope)
          .where('provider', '=', provider)
          .executeTakeFirst()
        return row ? secretFromRow(row) : null
      })
    },

    async listSecrets(scope) {
      return guarded('list secrets', async ({ q }) => {
        const rows = await q
          .selectFrom(table)
          .selectAll()
          .where('scope', '=', scope)
          .orderBy('provider')
          .execute()
        return rows.map(secretFromRow)
      })
    },

    async deleteSecret(scope, provider, options) {
      const bound = expiryBound(options)
      return guarded('delete a secret', async ({ q }) => {
        let query = q.deleteFrom(table).where('scope', '=', scope).where('provider', '=', provider)
        // One statement: a value set again after the caller saw it expired no longer matches.
        if (bound !== undefined)
          query = query.where('expires_at', 'is not', null).where('expires_at', '<=', bound)
        const result = await query.executeTakeFirst()
        return result.numDeletedRows > 0n
      })
    },

    async clearSecrets(scope) {
      return guarded('clear secrets', async ({ q }) => {
        const result = await q.deleteFrom(table).where('scope', '=', scope).executeTakeFirst()
        return Number(result.numDeletedRows)
      })
    },

    async scanSecrets({ limit, cursor }) {
      const after = cursor ? decodeScanCursor(cursor) : null
      return guarded('scan secrets', async ({ q }) => {
        let query = q.selectFrom(table).selectAll()
        if (after) {
          const [scope, provider] = after
          query = query.where((eb) =>
            eb.or([
              eb('scope', '>', scope),
              eb.and([eb('scope', '=', scope), eb('provider', '>', provider)]),
            ]),
          )
        }
        const rows = await query
          .orderBy('scope')
          .orderBy('provider')
          .limit(limit + 1)
          .execute()
        const items = rows.slice(0, limit).map(secretFromRow)
        const last = items[items.length - 1]
        return {
          items,
          nextCursor: rows.length > limit && last ? encodeScanCursor(last.scope, last.provider) : null,
        }
      })
    },
  }
}
