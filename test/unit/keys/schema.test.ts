import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../packages/keywarden/src/errors.js'
import { openApiDocument } from '../../../packages/keywarden/src/http/openapi.js'
import { recordJson } from '../../../packages/keywarden/src/http/serialize.js'
import { createKeywarden } from '../../../packages/keywarden/src/keys/keywarden.js'
import {
  CREATE_FIELDS,
  KEY_FIELDS,
  type KeyFieldName,
  RECORD_FIELDS,
  settableField,
  UPDATE_FIELDS,
} from '../../../packages/keywarden/src/keys/schema.js'
import type { JsonSchema, KeyField } from '../../../packages/keywarden/src/keys/schema-kinds.js'
import { createScopeChecker } from '../../../packages/keywarden/src/keys/scopes.js'
import { memoryStore } from '../../../packages/keywarden/src/stores/memory.js'
import type { ApiKeyRecord } from '../../../packages/keywarden/src/stores/types.js'

// The key schema is one table; this walks it and holds the input check, the JSON form and the
// OpenAPI schema of every field to the same values, at and just past each bound.

const doc = openApiDocument()
const context = { scopes: createScopeChecker() }

const typeOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v

/** The JSON Schema keywords keywarden's schemas use; problems found, [] when `value` fits. */
function problems(value: unknown, schema: JsonSchema, at = '$'): string[] {
  const found: string[] = []
  const types = schema.type === undefined ? [] : [schema.type].flat()
  const type = typeOf(value)
  if (types.length > 0 && !types.includes(type) && !(type === 'integer' && types.includes('number')))
    return [`${at}: ${type} is not ${types.join('|')}`]
  if (schema.enum && !schema.enum.includes(value)) found.push(`${at}: not one of the enum`)
  if (schema.oneOf && schema.oneOf.filter((s) => problems(value, s).length === 0).length !== 1)
    found.push(`${at}: not exactly one of oneOf`)
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) found.push(`${at}: too short`)
    if (schema.maxLength !== undefined && value.length > schema.maxLength) found.push(`${at}: too long`)
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) found.push(`${at}: pattern`)
    if (
      schema.format === 'date-time' &&
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)
    )
      found.push(`${at}: not a date-time`)
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) found.push(`${at}: below minimum`)
    if (schema.maximum !== undefined && value > schema.maximum) found.push(`${at}: above maximum`)
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) found.push(`${at}: too many items`)
    if (schema.items)
      for (const [i, v] of value.entries()) found.push(...problems(v, schema.items, `${at}[${i}]`))
  }
  if (type === 'object') {
    const object = value as Record<string, unknown>
    for (const name of schema.required ?? []) if (!(name in object)) found.push(`${at}.${name}: missing`)
    for (const [name, inner] of Object.entries(object)) {
      const property = schema.properties?.[name]
      if (property) found.push(...problems(inner, property, `${at}.${name}`))
      else if (schema.additionalProperties === false) found.push(`${at}.${name}: not allowed`)
    }
  }
  return found
}

/** A valid value of a schema, built from its bounds. */
function sample(schema: JsonSchema): unknown {
  if (schema.examples) return structuredClone(schema.examples[0])
  if (schema.enum) return schema.enum[0]
  if (schema.oneOf) return sample(schema.oneOf[0] as JsonSchema)
  const type = [schema.type].flat()[0]
  if (type === 'integer' || type === 'number') return schema.minimum ?? 0
  if (type === 'object')
    return Object.fromEntries((schema.required ?? []).map((n) => [n, sample(schema.properties?.[n] ?? {})]))
  if (type === 'array') return []
  return 'x'.repeat(schema.minLength ?? 1)
}

const OTHER_TYPES: unknown[] = ['x', 1.5, 7, true, [], {}, null]

/** Values just inside (`ok`) and just outside (`bad`) each bound of `schema`, around `valid`. */
function edges(schema: JsonSchema, valid: unknown): { ok: unknown[]; bad: unknown[] } {
  const ok: unknown[] = [valid]
  const bad = OTHER_TYPES.filter((v) => problems(v, { type: schema.type }).length > 0)
  const edge = (inside: unknown, outside: unknown) => {
    ok.push(inside)
    bad.push(outside)
  }
  const branches = schema.oneOf?.filter((s) => s.type !== 'null') ?? []
  for (const branch of branches) {
    const inner = edges(branch, problems(valid, branch).length === 0 ? valid : sample(branch))
    ok.push(...inner.ok)
    bad.push(...inner.bad.filter((v) => typeOf(v) === 'object'))
  }
  if (typeof valid === 'string') {
    const grow = (n: number) => valid.padEnd(n, valid.at(-1))
    if (schema.maxLength !== undefined) edge(grow(schema.maxLength), grow(schema.maxLength + 1))
    if (schema.minLength) bad.push(valid.slice(0, schema.minLength - 1))
    if (schema.pattern) bad.push(`${valid} `)
    if (schema.enum) bad.push(`${valid}-not`)
    if (schema.format === 'date-time') bad.push('not a date')
  }
  if (typeof valid === 'number') {
    if (schema.minimum !== undefined) edge(schema.minimum, schema.minimum - 1)
    if (schema.maximum !== undefined) edge(schema.maximum, schema.maximum + 1)
  }
  if (Array.isArray(valid) && schema.items) {
    const item = valid[0] ?? sample(schema.items)
    const distinct = (i: number) => {
      const copy = structuredClone(item)
      if (typeof copy === 'string') return `${copy}${i}`
      ;(copy as { name: string }).name += i
      return copy
    }
    const many = (n: number) => Array.from({ length: n }, (_, i) => distinct(i))
    if (schema.maxItems !== undefined) edge(many(schema.maxItems), many(schema.maxItems + 1))
    const inner = edges(schema.items, item)
    ok.push(...inner.ok.map((v) => [v]))
    bad.push(...inner.bad.map((v) => [v]))
  }
  if (typeOf(valid) === 'object' && schema.properties) {
    const object = valid as Record<string, unknown>
    for (const [name, property] of Object.entries(schema.properties)) {
      const inner = edges(property, name in object ? object[name] : sample(property))
      ok.push(...inner.ok.map((v) => ({ ...object, [name]: v })))
      bad.push(...inner.bad.map((v) => ({ ...object, [name]: v })))
      if (schema.required?.includes(name))
        bad.push(Object.fromEntries(Object.entries(object).filter(([n]) => n !== name)))
    }
    if (schema.additionalProperties === false) bad.push({ ...object, bogus: 1 })
  }
  return { ok, bad }
}

const accepts = (field: KeyField, value: unknown) => {
  try {
    field.parse?.(value, 'field', context)
    return true
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    return false
  }
}

/** Where a field's check, JSON form and schemas disagree; [] when they agree everywhere. */
function disagreements(name: string, field: KeyField): string[] {
  const found: string[] = []
  const example = field.schema.examples?.[0]
  const say = (what: string, value: unknown) => found.push(`${name}: ${what}: ${JSON.stringify(value)}`)
  if (problems(example, field.schema).length > 0) say('example does not fit its JSON schema', example)
  if (!field.parse) return found
  const input = field.input ?? field.schema
  const { ok, bad } = edges(input, example)
  for (const value of ok) {
    if (problems(value, input).length > 0) say('edge sample does not fit the input schema', value)
    else if (!accepts(field, value)) say('the input schema accepts, the check refuses', value)
    else {
      const stored = field.parse(value, name, context)
      const json = recordJson({ [name]: stored } as unknown as ApiKeyRecord)[name]
      if (problems(json, field.schema).length > 0) say('the JSON form does not fit the JSON schema', json)
    }
  }
  for (const value of bad) {
    if (problems(value, input).length === 0) say('edge sample fits the input schema', value)
    else if (accepts(field, value)) say('the input schema refuses, the check accepts', value)
  }
  return found
}

const fields = Object.entries(KEY_FIELDS) as Array<[KeyFieldName, KeyField]>

describe('the key schema', () => {
  it.each(fields)('%s: the check, the JSON form and the schemas agree at every bound', (name, field) => {
    expect(disagreements(name, field)).toEqual([])
  })

  it('finds a field whose check is looser than its schema, or stricter', () => {
    const name = settableField('name')
    const loose = { ...name, parse: (v: unknown) => String(v) }
    expect(disagreements('loose', loose).some((p) => p.includes('the check accepts'))).toBe(true)
    const strict = {
      ...name,
      parse(v: unknown, f: string) {
        const text = name.parse(v, f, context) as string
        if (text.length > 100) throw new ValidationError('at most 100', { field: f })
        return text
      },
    }
    expect(disagreements('strict', strict).some((p) => p.includes('the check refuses'))).toBe(true)
    expect(problems({ amount: 1, interval: 'hourly' }, KEY_FIELDS.refill.schema)).not.toEqual([])
  })

  it('a record, its JSON and the OpenAPI schemas hold exactly the table fields', async () => {
    const warden = createKeywarden({ store: memoryStore(), prefix: 'kw' })
    const { record } = await warden.keys.create({ name: 'all', remaining: 5, rateLimits: [] })
    const schemas = doc.components.schemas as Record<string, JsonSchema>
    expect(Object.keys(record)).toEqual(RECORD_FIELDS)
    const json = recordJson(record)
    expect(Object.keys(json)).toEqual(RECORD_FIELDS)
    expect(Object.keys(schemas.ApiKeyRecord?.properties ?? {})).toEqual(RECORD_FIELDS)
    expect(schemas.ApiKeyRecord?.required).toEqual(RECORD_FIELDS)
    expect(problems(JSON.parse(JSON.stringify(json)), schemas.ApiKeyRecord as JsonSchema)).toEqual([])
    expect(Object.keys(schemas.CreateKeyInput?.properties ?? {})).toEqual(CREATE_FIELDS)
    expect(Object.keys(schemas.UpdateKeyInput?.properties ?? {})).toEqual(UPDATE_FIELDS)
    await warden.close()
  })

  it('keys.create takes each field as the table says, and roll carries every settable field over', async () => {
    const warden = createKeywarden({ store: memoryStore(), prefix: 'kw' })
    const input = Object.fromEntries(CREATE_FIELDS.map((n) => [n, KEY_FIELDS[n].schema.examples?.[0]]))
    const { record } = await warden.keys.create(input as never)
    const json = recordJson(record)
    for (const name of CREATE_FIELDS) expect(json[name], name).toEqual(input[name])
    const rolled = await warden.keys.roll(record.id)
    for (const name of CREATE_FIELDS) expect(rolled.record[name], name).toEqual(record[name])
    await expect(warden.keys.create({ name: 'x', start: 'kw_nope' } as never)).rejects.toThrow(
      /input\.start is not a field you can set/,
    )
    await warden.close()
  })
})
