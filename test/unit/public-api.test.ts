import { describe, expect, it } from 'vitest'
import { probe, unexportedTypes } from '../support/public-api.js'

const user = probe(`import { createKeywarden, type Keywarden } from 'keywarden'
import { cachedStore } from 'keywarden/stores/cached'
import { hybridStore } from 'keywarden/stores/hybrid'
import { memoryStore } from 'keywarden/stores/memory'
import { redisStore } from 'keywarden/stores/redis'
import { sessionStore } from 'keywarden/stores/session'
import { sqlStore } from 'keywarden/stores/sql'
import { createVault, type Vault } from 'keywarden/vault'
declare const warden: Keywarden
declare const vault: Vault
export const all = [createKeywarden, createVault, memoryStore, sqlStore, redisStore, cachedStore, sessionStore, hybridStore]
export const keys = [warden.keys.create, warden.keys.verify, warden.keys.get, warden.keys.list, warden.keys.update, warden.keys.revoke, warden.keys.delete, warden.keys.roll, warden.keys.search, vault.for]
const handle = vault.for({ userId: 'u' })
export const own = handle.set('my-own-provider', 'x')
export const known = handle.get('')
`)

describe('the public API, as an editor shows it to a user', () => {
  it('compiles as a user writes it, with public names only', () => {
    expect(user.diagnostics()).toEqual([])
  })

  it.each([
    'createKeywarden',
    'createVault',
    'memoryStore',
    'sqlStore',
    'redisStore',
    'cachedStore',
    'sessionStore',
    'hybridStore',
    'warden.keys.create',
    'warden.keys.verify',
    'warden.keys.get',
    'warden.keys.list',
    'warden.keys.update',
    'warden.keys.revoke',
    'warden.keys.delete',
    'warden.keys.roll',
    'warden.keys.search',
    'vault.for',
  ])('%s has JSDoc saying what it does, what it throws, and an example', (name) => {
    const { text, tags } = user.hover(name)
    expect(text.length, `${name} has no description`).toBeGreaterThan(40)
    expect(tags).toContain('throws')
    expect(tags).toContain('example')
  })

  it('suggests the built-in provider ids and accepts any other', () => {
    const suggested = user.completions("handle.get('")
    expect(suggested).toEqual(expect.arrayContaining(['openai', 'anthropic', 'google', 'mistral']))
    expect(user.diagnostics()).toEqual([]) // handle.set('my-own-provider', …) compiles
  })

  it('exports every library type a public signature uses, from the root or a subpath', () => {
    expect(unexportedTypes()).toEqual([])
  }, 60_000)
})
