/** The framework-neutral shape of a route: adapters register each with their router. */
import { ConflictError, describeError, NotFoundError, ValidationError } from '../errors.js'
import {
  CONTENT_TOO_LARGE,
  conflict,
  type FieldProblem,
  invalidRequest,
  NOT_FOUND,
  type Reply,
  UNAVAILABLE,
  UNSUPPORTED_MEDIA_TYPE,
} from './problem.js'

/** Marks a body that was sent but is not JSON (or is too large). */
export const INVALID_BODY: unique symbol = Symbol('keywarden.invalidBody')
/** Marks a body over MAX_BODY_BYTES: answered 413 before anything else. */
export const BODY_TOO_LARGE: unique symbol = Symbol('keywarden.bodyTooLarge')
export const MAX_BODY_BYTES = 256 * 1024

export interface RouteInput<Req> {
  /** The framework's own request (Hono Context, Express req, Fastify request) for authorize/identify. */
  native: Req
  /** A request header by lowercase name. */
  header(name: string): string | null | undefined
  /** Authorization as received; an array when it was repeated. */
  authorization(): string | readonly string[] | null | undefined
  param(name: string): string
  query(name: string): string | null | undefined
  /** The client's address as the socket sees it (no proxy header is trusted); absent when unknown. */
  address?: string | null
  /** Parsed JSON body; undefined when none was sent; INVALID_BODY or BODY_TOO_LARGE when unusable. */
  body: unknown
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface Route<Req> {
  method: Method
  /** `/`, `/:id`, `/:id/revoke` — the same syntax in Hono, Express and Fastify. */
  path: string
  /** Whether the route reads a JSON body. */
  body: boolean
  handle(input: RouteInput<Req>): Promise<Reply>
}

export type OnError = (error: unknown) => void

export const defaultOnError: OnError = (error) =>
  console.warn(`keywarden: HTTP route failed: ${describeError(error)}`)

/** Maps what a handler throws to a problem; anything unexpected is a 503, logged, never a stack. */
export function errorReply(error: unknown, onError: OnError): Reply {
  if (error instanceof ValidationError) {
    const field = (error.field ?? 'body').replace(/^(input|patch)\./, '')
    return invalidRequest([{ field, detail: error.message }])
  }
  if (error instanceof NotFoundError) return NOT_FOUND
  if (error instanceof ConflictError) return conflict(error.message)
  onError(error)
  return UNAVAILABLE
}

export const BODY_NOT_JSON: FieldProblem = { field: 'body', detail: 'body must be a JSON object' }

/** Validates every field on its own so a 400 lists each bad one, not only the first. */
export function collectFieldProblems(
  body: Record<string, unknown>,
  validators: Record<string, (value: unknown) => unknown>,
  required: readonly string[] = [],
): FieldProblem[] {
  const problems: FieldProblem[] = []
  const allowed = Object.keys(validators)
  for (const name of Object.keys(body)) {
    if (!Object.hasOwn(validators, name)) {
      problems.push({
        field: name,
        detail: `${name} is not a field you can set; allowed: ${allowed.join(', ')}`,
      })
    }
  }
  for (const name of allowed) {
    if (!Object.hasOwn(body, name) && !required.includes(name)) continue
    try {
      validators[name]?.(body[name])
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      problems.push({ field: error.field ?? name, detail: error.message })
    }
  }
  return problems
}

export function asBodyObject(body: unknown, optional: boolean): Record<string, unknown> | null {
  if (body === undefined || body === null || body === '') return optional ? {} : null
  if (body === INVALID_BODY || typeof body !== 'object' || Array.isArray(body)) return null
  return body as Record<string, unknown>
}

/** `application/json`, with or without parameters such as `; charset=utf-8`. */
export function isJsonContentType(value: string | null | undefined): boolean {
  return typeof value === 'string' && /^\s*application\/json\s*(?:;|$)/i.test(value)
}

/**
 * Every route but a GET takes JSON only: 413 for a body over MAX_BODY_BYTES, 415 for a body sent
 * without `Content-Type: application/json` or any other content type named (a cross-site form
 * always names one, even when empty). Runs before the caller is identified.
 */
export function jsonOnly<Req>(routes: Route<Req>[]): Route<Req>[] {
  return routes.map((route) => {
    if (route.method === 'GET') return route
    const { handle } = route
    return {
      ...route,
      handle(input) {
        if (input.body === BODY_TOO_LARGE) return Promise.resolve(CONTENT_TOO_LARGE)
        const type = input.header('content-type')
        const named = typeof type === 'string' && type.trim() !== ''
        if ((input.body !== undefined || named) && !isJsonContentType(type)) {
          return Promise.resolve(UNSUPPORTED_MEDIA_TYPE)
        }
        return handle(input)
      },
    }
  })
}
