/** Helpers the Node adapters (Express, Fastify) share for reading IncomingMessage headers. */
import type { IncomingHttpHeaders } from 'node:http'
import { repeatedHeader } from './core.js'

/** Authorization as sent: Node keeps only the first of repeated ones, so count them in rawHeaders. */
export function nodeAuthorization(
  headers: IncomingHttpHeaders,
  rawHeaders: readonly string[] | undefined,
): string | readonly string[] | undefined {
  const value = headers.authorization
  if (value === undefined) return undefined
  return repeatedHeader(rawHeaders, 'authorization') ? [value, value] : value
}

/** A header Node may hand over as an array (repeated): joined, so it cannot pass as one key. */
export function nodeHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' || value === undefined ? value : value.join(', ')
}

export function isEncrypted(socket: unknown): boolean {
  return (socket as { encrypted?: boolean } | null)?.encrypted === true
}
