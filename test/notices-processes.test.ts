import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { freshPlace, type Place } from './sql-procs/engines.js'
import { serviceSkip } from './support/services.js'

const run = promisify(execFile)
const child = fileURLToPath(new URL('./notices-procs/child.ts', import.meta.url))
const DAY = 86_400_000
const START = new Date('2026-12-01T00:00:00Z').getTime()

interface Notice {
  type: string
  id: string
  days: number | null
  data: unknown
}

async function scanIn(place: Place, at: number): Promise<Notice[]> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', child, place.url, JSON.stringify(place.options), new Date(at).toISOString()],
    { timeout: 60_000 },
  )
  return JSON.parse(stdout)
}

const places: Place[] = []
afterAll(async () => {
  for (const place of places) await place.cleanup()
})

for (const engine of ['sqlite-file', 'postgres'] as const) {
  const skip = engine === 'postgres' ? await serviceSkip('postgres') : false
  describe.skipIf(skip)(`expiry notices across two processes on ${engine}`, () => {
    it('each key gets key.expiring (7 d, 1 d) and key.expired exactly once between two scanning processes', async () => {
      const place = freshPlace(engine, 'kwexp')
      places.push(place)
      const warden = createKeywarden({
        store: sqlStore({ url: place.url }, place.options),
        prefix: 'proc',
        lastUsed: false,
        now: () => new Date(START),
      })
      const created = await Promise.all(
        [10, 10.2, 10.4].map((days) =>
          warden.keys.create({ name: `k${days}`, expiresAt: new Date(START + days * DAY) }),
        ),
      )
      await warden.close()
      const ids = created.map((c) => c.record.id).sort()

      const all: Notice[] = []
      // Each moment is scanned by two processes at once.
      for (const at of [START + 4.5 * DAY, START + 9.5 * DAY, START + 11 * DAY]) {
        const [a, b] = await Promise.all([scanIn(place, at), scanIn(place, at)])
        all.push(...(a as Notice[]), ...(b as Notice[]))
      }
      const of = (type: string, days: number | null) =>
        all
          .filter((n) => n.type === type && n.days === days)
          .map((n) => n.id)
          .sort()
      expect(of('key.expiring', 7)).toEqual(ids)
      expect(of('key.expiring', 1)).toEqual(ids)
      expect(of('key.expired', null)).toEqual(ids)
      expect(all).toHaveLength(9)
      const text = JSON.stringify(all)
      for (const { key } of created) expect(text).not.toContain(key)
      expect(text).not.toMatch(/"hash"/)
    }, 180_000)
  })
}
