import { randomBytes } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { NOTICE_STORE_METHODS, type NoticeStore } from '../stores/notice-types.js'
import { hasMethods, type KeyStore } from '../stores/types.js'

/**
 * The notice-claim part of the KeyStore contract (claimNotice, readNotice), registered inside
 * describeKeyStore. Optional: without it notices fire once per process instead of once overall.
 */
export function noticeContract(store: () => KeyStore, concurrency: number): void {
  describe('notice claims (claimNotice)', () => {
    beforeEach((context) => {
      if (!hasMethods(store(), NOTICE_STORE_METHODS)) {
        context.skip('the store does not implement claimNotice and readNotice')
      }
    })
    const claims = () => store() as unknown as NoticeStore
    const fresh = () => `contract:${randomBytes(8).toString('hex')}`

    it(`notices: one of ${concurrency} concurrent claims of one id wins; its value is kept`, async () => {
      const id = fresh()
      const answers = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          claims().claimNotice(id, { value: String(i), ttlMs: 60_000 }),
        ),
      )
      expect(answers.filter(Boolean)).toHaveLength(1)
      expect(await claims().readNotice(id)).toBe(String(answers.indexOf(true)))
      expect(await claims().claimNotice(id)).toBe(false)
    })

    it('notices: unclaimed ids read null, a claim without value reads empty, bad input throws', async () => {
      const id = fresh()
      expect(await claims().readNotice(id)).toBeNull()
      expect(await claims().claimNotice(id)).toBe(true)
      expect(await claims().readNotice(id)).toBe('')
      await expect(claims().claimNotice('')).rejects.toThrow(ValidationError)
      await expect(claims().claimNotice(fresh(), { ttlMs: 0 })).rejects.toThrow(ValidationError)
    })
  })
}
