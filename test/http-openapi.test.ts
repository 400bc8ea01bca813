import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { openApiDocument } from '../packages/keywarden/src/http/openapi.js'
import {
  type Client,
  capturing,
  drivers,
  type Fixture,
  type Got,
  makeFixture,
  type Sent,
} from './http-fixtures.js'

const OPENAI = 'sk-proj-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'
const doc = openApiDocument({ basePath: '/keys', byokBasePath: '/byok' })
type Schema = Record<string, any>

/** The subset of JSON Schema the document uses, enough to hold responses to it. */
function check(value: unknown, schema: Schema, at: string, problems: string[]): void {
  if (schema.$ref) {
    const name = (schema.$ref as string).split('/').pop() as string
    check(value, (doc.components.schemas as Record<string, Schema>)[name] as Schema, at, problems)
    return
  }
  const types: string[] = schema.type === undefined ? [] : [schema.type].flat()
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v
  if (types.length > 0) {
    const actual = typeOf(value)
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      problems.push(`${at}: ${actual} is not ${types.join('|')}`)
      return
    }
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${at}: not ${schema.const}`)
  if (typeof value === 'string') {
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
      problems.push(`${at}: not a date-time`)
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: does not match`)
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, v] of value.entries()) check(v, schema.items, `${at}[${i}]`, problems)
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>
    for (const name of schema.required ?? []) if (!(name in object)) problems.push(`${at}.${name}: missing`)
    for (const [name, inner] of Object.entries(object)) {
      const property = schema.properties?.[name]
      if (property) check(inner, property, `${at}.${name}`, problems)
      else if (schema.additionalProperties === false) problems.push(`${at}.${name}: not documented`)
    }
  }
}

function schemaProblems(value: unknown, schema: Schema): string[] {
  const problems: string[] = []
  check(value, schema, '$', problems)
  return problems
}

describe('openApiDocument', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc) as any)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('mounts at any path, leaves a half out with null, and refuses unknown options', async () => {
    const custom = openApiDocument({
      basePath: '/admin/api-keys/',
      byokBasePath: null,
      reportBasePath: null,
      header: 'X-Key',
    })
    expect(Object.keys(custom.paths)).toEqual([
      '/admin/api-keys',
      '/admin/api-keys/{id}',
      '/admin/api-keys/{id}/revoke',
      '/admin/api-keys/{id}/roll',
      '/admin/api-keys/{id}/usage',
    ])
    expect(Object.keys(openApiDocument({ reportBasePath: '/api' }).paths)).toContain('/api/audit')
    expect(custom.components.securitySchemes.ApiKeyHeader.name).toBe('X-Key')
    expect((await new Validator().validate(structuredClone(custom) as any)).valid).toBe(true)
    expect(() => openApiDocument({ keysPath: '/k' } as any)).toThrow(ConfigError)
    expect(() => openApiDocument({ basePath: 'keys' })).toThrow(/basePath must be a path/)
  })

  it('the schema checker used below can fail', () => {
    expect(schemaProblems({ id: 1 }, { $ref: '#/components/schemas/ApiKeyRecord' })).toContain(
      '$.id: integer is not string',
    )
    expect(
      schemaProblems({ apiKey: 'x', bogus: 1 }, { $ref: '#/components/schemas/SetProviderKeyInput' }),
    ).toEqual(['$.bogus: not documented'])
  })
})

type Operation = { responses: Record<string, any>; requestBody?: unknown }
const operations: Array<{ method: string; path: string; op: Operation }> = []
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item as Record<string, unknown>)) {
    if (method !== 'parameters') operations.push({ method: method.toUpperCase(), path, op: op as Operation })
  }
}

const BODIES: Record<string, unknown> = {
  'POST /keys': { name: 'documented' },
  'PATCH /keys/{id}': { name: 'renamed' },
  'POST /keys/{id}/roll': {},
  'PUT /byok/{provider}': { apiKey: OPENAI },
}

describe.each(drivers)('every documented route answers as documented on $name', (driver) => {
  let fx: Fixture
  let client: Client
  beforeAll(async () => {
    fx = await makeFixture()
    client = capturing(await driver.start(fx), fx.captured)
  })
  afterAll(async () => {
    await client?.close()
    await fx?.warden.close()
  })

  function expectDocumented(op: Operation, label: string, got: Got) {
    const response = op.responses[String(got.status)]
    expect(response, `${label} answered ${got.status}, which is not documented`).toBeDefined()
    const resolved = response.$ref
      ? (doc.components.responses as Record<string, any>)[response.$ref.split('/').pop()]
      : response
    for (const header of Object.keys(resolved.headers ?? {})) {
      expect(got.headers[header.toLowerCase()], `${label}: header ${header}`).toBeDefined()
    }
    if (!resolved.content) {
      expect(got.text, `${label}: ${got.status} has no body`).toBe('')
      return
    }
    const [mediaType, media] = Object.entries(resolved.content)[0] as [string, { schema: Schema }]
    expect(got.headers['content-type'], label).toContain(mediaType)
    expect(schemaProblems(got.json(), media.schema), label).toEqual([])
  }

  it.each(operations)('$method $path', async ({ method, path, op }) => {
    const label = `${method} ${path}`
    const user: Sent = { headers: [['x-user', path.startsWith('/byok') ? 'doc-user' : 'root']] }
    const id = (await fx.warden.keys.create({ name: 'target' })).record.id
    if (method === 'DELETE' && path.startsWith('/byok'))
      await fx.vault.for({ userId: 'doc-user' }).set('openai', OPENAI)
    const url = path.replace('{id}', id).replace('{provider}', 'openai')
    const body = BODIES[`${method} ${path}`]
    expect(op.requestBody === undefined, `${label}: documented body`).toBe(body === undefined)

    const ok = await client.request(url, { ...user, method, body })
    expect(ok.status, label).toBeLessThan(300)
    expectDocumented(op, label, ok)

    const anonymous = await client.request(url, { method, body })
    expect(anonymous.status, label).toBe(401)
    expectDocumented(op, label, anonymous)

    if (op.requestBody) {
      const bad = await client.request(url, { ...user, method, body: { undocumented: true } })
      expect(bad.status, label).toBe(400)
      expectDocumented(op, label, bad)
      const huge = await client.request(url, { ...user, method, body: { name: 'x'.repeat(300 * 1024) } })
      expect(huge.status, label).toBe(413)
      expectDocumented(op, label, huge)
    }
    if (url.includes(id)) {
      const missing = await client.request(url.replace(id, 'key_missing'), { ...user, method, body })
      expect(missing.status, label).toBe(404)
      expectDocumented(op, label, missing)
    }
  })
})
