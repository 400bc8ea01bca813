// Building blocks of the OpenAPI document shared by its route groups and components.

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
export const res = (name: string) => ({ $ref: `#/components/responses/${name}` })
export const json = (schema: object) => ({ 'application/json': { schema } })
export const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra })
export const dateTime = { type: 'string', format: 'date-time' }
export const nullableDate = { type: ['string', 'null'], format: 'date-time' }
export const noStore = { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } }

export const problem = (description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: ref('Problem') } },
})

export const common = { '401': res('Unauthorized'), '503': res('Unavailable') }

export const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }

/** `base` + `rest`, without a doubled slash; '/' for an empty path. */
export function joinPath(base: string, rest: string): string {
  const trimmed = base.replace(/\/+$/, '')
  return `${trimmed}${rest}` || '/'
}
