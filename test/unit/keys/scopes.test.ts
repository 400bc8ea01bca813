import { describe, expect, it } from 'vitest'
import { ConfigError, ValidationError } from '../../../packages/keywarden/src/errors.js'
import { createScopeChecker } from '../../../packages/keywarden/src/keys/scopes.js'

describe('scopes', () => {
  it('checks all and any, with resource:* granting every action of the resource', () => {
    const scopes = createScopeChecker()
    expect(scopes.missing(['users:read'], ['users:read'], 'all')).toEqual([])
    expect(scopes.missing(['users:read'], ['users:read', 'users:write'], 'all')).toEqual(['users:write'])
    expect(scopes.missing(['users:read'], ['users:read', 'users:write'], 'any')).toEqual([])
    expect(scopes.missing(['users:read'], ['posts:read', 'users:write'], 'any')).toEqual([
      'posts:read',
      'users:write',
    ])
    expect(scopes.missing(['users:*'], ['users:read', 'users:delete'], 'all')).toEqual([])
    expect(scopes.missing(['users:*'], ['posts:read'], 'all')).toEqual(['posts:read'])
    expect(scopes.missing([], [], 'all')).toEqual([])
  })

  it('expands the hierarchy transitively', () => {
    const scopes = createScopeChecker({
      hierarchy: { 'admin:all': ['users:*', 'billing:manage'], 'billing:manage': ['billing:read'] },
    })
    expect(scopes.missing(['admin:all'], ['billing:read', 'users:delete'], 'all')).toEqual([])
    expect(scopes.missing(['billing:manage'], ['billing:read', 'users:read'], 'all')).toEqual(['users:read'])
  })

  it('rejects hierarchy cycles at construction', () => {
    expect(() =>
      createScopeChecker({ hierarchy: { 'a:x': ['b:x'], 'b:x': ['c:x'], 'c:x': ['a:x'] } }),
    ).toThrow(/cycle: a:x -> b:x -> c:x -> a:x/)
    expect(() => createScopeChecker({ hierarchy: { 'a:x': ['a:x'] } })).toThrow(ConfigError)
  })

  it('with known, refuses unknown scopes and accepts resource:* of a known resource', () => {
    const scopes = createScopeChecker({ known: ['users:read', 'users:write'] })
    expect(scopes.validate(['users:read', 'users:*'])).toEqual(['users:read', 'users:*'])
    expect(() => scopes.validate(['posts:read'])).toThrow(ValidationError)
    expect(() =>
      createScopeChecker({ known: ['users:read'], hierarchy: { 'users:read': ['posts:read'] } }),
    ).toThrow(ConfigError)
  })

  it('validates shape and limits, naming the field', () => {
    const scopes = createScopeChecker()
    for (const bad of [['nocolon'], ['a:b:c'], [''], [5], 'users:read', [`a:${'x'.repeat(127)}`]]) {
      expect(() => scopes.validate(bad)).toThrow(ValidationError)
    }
    expect(() => scopes.validate(Array.from({ length: 257 }, (_, i) => `r:a${i}`))).toThrow(/at most 256/)
    expect(scopes.validate(['a:b', 'a:b'])).toEqual(['a:b'])
    try {
      scopes.validate(['bad'])
    } catch (error) {
      expect((error as ValidationError).field).toBe('scopes')
    }
  })
})
