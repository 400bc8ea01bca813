import { describe, expect, it } from 'vitest'
import { StoreError } from '../../../../packages/keywarden/src/errors.js'
import { hashValues, scoredMembers } from '../../../../packages/keywarden/src/stores/redis/replies.js'

// The shapes below are what ioredis 5 and 6 return for client.call() (test/redis-store.test.ts
// runs the real thing on both); this pins the unusual ones and the refusal of unknown shapes.
describe('scoredMembers', () => {
  const expected = [
    { member: 'b', score: 7 },
    { member: 'a', score: 5 },
  ]
  it('reads RESP2 flat lists, RESP3 pairs and numeric scores alike', () => {
    expect(scoredMembers(['b', '7', 'a', '5'], 'Z')).toEqual(expected)
    expect(
      scoredMembers(
        [
          ['b', '7'],
          ['a', '5'],
        ],
        'Z',
      ),
    ).toEqual(expected)
    expect(
      scoredMembers(
        [
          ['b', 7],
          ['a', 5],
        ],
        'Z',
      ),
    ).toEqual(expected)
    expect(scoredMembers([], 'Z')).toEqual([])
  })
  it('refuses what it does not know with StoreError naming the command', () => {
    for (const reply of [null, 'x', ['a'], [['a', '1', 'x']]]) {
      expect(() => scoredMembers(reply, 'ZREVRANGEBYSCORE')).toThrow(StoreError)
      expect(() => scoredMembers(reply, 'ZREVRANGEBYSCORE')).toThrow(/ZREVRANGEBYSCORE/)
    }
  })
})

describe('hashValues', () => {
  it('reads flat lists, objects and maps alike', () => {
    expect(hashValues(['f', 'v', 'g', 'w'], 'H')).toEqual(['v', 'w'])
    expect(hashValues({ f: 'v', g: 'w' }, 'H')).toEqual(['v', 'w'])
    expect(hashValues(new Map([['f', 'v']]), 'H')).toEqual(['v'])
    expect(hashValues([], 'H')).toEqual([])
    expect(hashValues({}, 'H')).toEqual([])
  })
  it('refuses what it does not know with StoreError', () => {
    for (const reply of [null, 3, ['f']]) expect(() => hashValues(reply, 'HGETALL')).toThrow(StoreError)
  })
})
