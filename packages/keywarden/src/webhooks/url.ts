import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { ValidationError } from '../errors.js'

/** Resolves a host name to its addresses (dns.lookup with all: true by default). */
export type HostLookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>

const MAX_URL_LENGTH = 2048

const privateRanges = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  privateRanges.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  privateRanges.addSubnet(net, prefix, 'ipv6')

/** The IPv4 address inside an IPv4-mapped or -compatible IPv6 address (::ffff:a.b.c.d, ::ffff:7f00:1). */
function embeddedV4(address: string): string | null {
  const normalized = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const match = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(normalized)
  if (!match) return null
  const high = Number.parseInt(match[1] as string, 16)
  const low = Number.parseInt(match[2] as string, 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

/** Loopback, private, link-local, unique-local, shared, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return privateRanges.check(address, 'ipv4')
  if (family !== 6) return true
  const v4 = embeddedV4(address)
  return v4 !== null ? privateRanges.check(v4, 'ipv4') : privateRanges.check(address, 'ipv6')
}

export interface WebhookUrlOptions {
  allowPrivate?: boolean
  lookup?: HostLookup
}

const defaultLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true })

/**
 * Checks a webhook target: http(s), no credentials, and (unless allowPrivate) a host that is not,
 * and does not resolve to, a private, loopback, link-local or unique-local address.
 * @throws ValidationError naming `url`.
 */
export async function checkWebhookUrl(raw: unknown, options: WebhookUrlOptions = {}): Promise<URL> {
  const { allowPrivate = false, lookup = defaultLookup } = options
  const refuse = (why: string) => new ValidationError(`url ${why}`, { field: 'url' })
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH)
    throw refuse(`must be an http(s) URL of at most ${MAX_URL_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw refuse('must be an absolute http(s) URL, e.g. https://example.com/hooks')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must use http: or https:')
  if (url.username || url.password)
    throw refuse('must not contain a user name or password; authenticate with the signature instead')
  if (allowPrivate) return url
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  if (isIP(host)) {
    if (isPrivateAddress(host))
      throw refuse(
        'points to a private, loopback or link-local address; use a public address (or allowPrivate)',
      )
    return url
  }
  let addresses: Array<{ address: string }>
  try {
    addresses = await lookup(host)
  } catch {
    throw refuse(`host "${host}" does not resolve; check the name`)
  }
  if (addresses.length === 0) throw refuse(`host "${host}" does not resolve; check the name`)
  if (addresses.some(({ address }) => isPrivateAddress(address)))
    throw refuse(
      `host "${host}" resolves to a private, loopback or link-local address; use a public address (or allowPrivate)`,
    )
  return url
}
