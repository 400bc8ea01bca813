/** The verify route in the OpenAPI document: a valid document, and every answer shaped as documented. */
import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { openApiDocument, withVerifyRoute } from '../packages/keywarden/src/http/openapi.js'
import { verifyAnswer } from '../packages/keywarden/src/http/verify.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'

type Schema = Record<string, any>

const doc = withVerifyRoute(openApiDocument({ basePath: '/keys', byokBasePath: '/byok' }), '/verify')
const schemas = doc.components.schemas as Record<string, Schema>

/** What the document promises of an answer: documented properties only, required ones present. */
function shapeProblems(value: Record<string, unknown>, schema: Schema, at: string): string[] {
  const problems: string[] = []
  for (const name of schema.required ?? []) if (!(name in value)) problems.push(`${at}.${name} missing`)
  for (const name of Object.keys(value)) if (!schema.properties[name]) problems.push(`${at}.${name} extra`)
  return problems
}

describe('withVerifyRoute', () => {
  it('adds POST /verify with its schemas and examples to a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(doc) as any)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    const post = (doc.paths as Record<string, any>)['/verify'].post
    expect(Object.keys(post.responses)).toEqual(['200', '400', '401', '403', '413', '503'])
    const examples = post.responses['200'].content['application/json'].examples
    for (const example of Object.values(examples) as Array<{ value: Record<string, unknown> }>) {
      expect(shapeProblems(example.value, schemas.VerifyAnswer as Schema, '$')).toEqual([])
      expect(schemas.VerifyAnswer?.properties.code.enum).toContain(example.value.code)
    }
    // The management and BYOK paths are still there.
    expect(Object.keys(doc.paths)).toContain('/keys/{id}/roll')
    expect(Object.keys(doc.paths)).toContain('/byok/{provider}')
  })

  it('mounts at any path and refuses one that is not a path', () => {
    const mounted = withVerifyRoute(openApiDocument(), '/api/verify/')
    expect(Object.keys(mounted.paths)).toContain('/api/verify')
    expect(() => withVerifyRoute(openApiDocument(), 'verify')).toThrow(ConfigError)
  })

  it('documents every answer the library gives, field for field', async () => {
    const clock = { now: new Date('2026-01-01T00:00:00.000Z') }
    const warden = createKeywarden({
      store: memoryStore(),
      prefix: 'kwt',
      lastUsed: false,
      now: () => clock.now,
    })
    const limited = await warden.keys.create({
      name: 'limited',
      remaining: 1,
      rateLimits: [{ name: 'burst', limit: 1, windowMs: 60_000 }],
      expiresAt: new Date(clock.now.getTime() + 1000),
    })
    const revoked = await warden.keys.create({ name: 'revoked' })
    await warden.keys.revoke(revoked.record.id)
    const results = [
      await warden.keys.verify(limited.key, { scopes: ['users:read'] }),
      await warden.keys.verify(limited.key),
      await warden.keys.verify(limited.key),
      await warden.keys.verify(revoked.key),
      await warden.keys.verify('nonsense'),
    ]
    const broke = await warden.keys.create({ name: 'broke', remaining: 0 })
    results.push(await warden.keys.verify(broke.key))
    clock.now = new Date(clock.now.getTime() + 2000)
    results.push(await warden.keys.verify(limited.key))
    const answers = results.map(verifyAnswer)
    expect(answers.map((a) => a.code)).toEqual([
      'INSUFFICIENT_SCOPES',
      'VALID',
      'RATE_LIMITED',
      'REVOKED',
      'MALFORMED',
      'USAGE_EXCEEDED',
      'EXPIRED',
    ])
    for (const answer of answers) {
      const code = answer.code
      expect(shapeProblems(answer as never, schemas.VerifyAnswer as Schema, code)).toEqual([])
      if (answer.key)
        expect(shapeProblems(answer.key, schemas.VerifiedKey as Schema, `${code}.key`)).toEqual([])
      for (const limit of answer.limits ?? []) {
        expect(shapeProblems(limit, schemas.LimitState as Schema, `${code}.limits`)).toEqual([])
      }
    }
  })
})
