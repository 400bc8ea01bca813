import { ValidationError } from '../../errors.js'
import type { TouchEntry } from '../types.js'
import { encodeLastUsed, idPrefix } from './codec.js'
import type { RedisContext } from './context.js'
import { touchRecord } from './scripts.js'

/** touchKeys for Redis: lastUsedAt is one SETRANGE on the record, checked against the id. */
export function redisTouchKeys(ctx: RedisContext) {
  const { keys, hashById } = ctx

  /** Every touch is sent at once on the connection: one round trip when the hashes are known. */
  async function touchKeys(entries: TouchEntry[]): Promise<void> {
    if (!Array.isArray(entries)) throw new ValidationError('entries must be an array of { id, lastUsedAt }')
    if (entries.length === 0) return
    const client = await ctx.client()
    const touch = (list: Array<{ entry: TouchEntry; hash: string }>) =>
      Promise.all(
        list.map(({ entry, hash }) =>
          touchRecord.run(
            client,
            [keys.record(hash)],
            [idPrefix(entry.id), encodeLastUsed(new Date(entry.lastUsedAt))],
          ),
        ),
      )
    const known: Array<{ entry: TouchEntry; hash: string }> = []
    const unknown: TouchEntry[] = []
    for (const entry of entries) {
      const hash = hashById.get(entry.id)
      if (hash === undefined) unknown.push(entry)
      else known.push({ entry, hash })
    }
    const resolve = async (list: TouchEntry[]) => {
      const hashes = (await Promise.all(list.map((e) => client.call('GET', keys.pointer(e.id))))) as Array<
        string | null
      >
      return list.flatMap((entry, i) => {
        const hash = hashes[i]
        return hash === null || hash === undefined ? [] : [{ entry, hash }]
      })
    }
    const [results, resolved] = await Promise.all([touch(known), resolve(unknown)])
    // A remembered hash that missed: the id was deleted (or reused); look it up again.
    const missed = known.filter((_, i) => results[i] === 0).map(({ entry }) => entry)
    for (const entry of missed) hashById.delete(entry.id)
    const retry = missed.length > 0 ? await resolve(missed) : []
    await touch([...resolved, ...retry])
    for (const { entry, hash } of resolved) hashById.set(entry.id, hash)
  }

  return touchKeys
}
