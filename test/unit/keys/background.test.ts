import { afterEach, describe, expect, it, vi } from 'vitest'
import { backgroundReporter } from '../../../packages/keywarden/src/keys/background.js'

describe('backgroundReporter', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("hands every failure to the app's onError", () => {
    const seen: unknown[] = []
    const report = backgroundReporter((error) => seen.push(error))
    const flush = report('usage flush', { retried: true })
    flush(new Error('a'))
    flush(new Error('b'))
    expect(seen).toHaveLength(2)
  })

  it('prints a retried flush once, and other work every time, naming the work', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const report = backgroundReporter(undefined)
    const flush = report('usage flush', { retried: true })
    flush(new Error('down'))
    flush(new Error('down'))
    const audit = report('audit write or event listener')
    audit(new Error('lost'))
    audit(new Error('lost'))
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      'keywarden: usage flush failed (kept and retried; further failures are not printed): down',
      'keywarden: audit write or event listener failed: lost',
      'keywarden: audit write or event listener failed: lost',
    ])
  })
})
