import type { ApiKeyRecord } from 'keywarden'

export function keyState(record: ApiKeyRecord, now = new Date()): 'active' | 'revoked' | 'expired' {
  if (record.revokedAt) return 'revoked'
  if (record.expiresAt && record.expiresAt.getTime() <= now.getTime()) return 'expired'
  return 'active'
}

const date = (value: Date | null) => (value ? value.toISOString() : '-')

/** The record as `field: value` lines. It holds no secret: a record never carries the key or hash. */
export function describeKey(record: ApiKeyRecord): string {
  const lines: Array<[string, string]> = [
    ['id', record.id],
    ['name', record.name],
    ['owner', record.ownerId ?? '-'],
    ['start', record.start],
    ['scopes', record.scopes.join(' ') || '-'],
    ['state', keyState(record)],
    ['created', date(record.createdAt)],
    ['expires', date(record.expiresAt)],
    ['revoked', date(record.revokedAt)],
    ['last used', date(record.lastUsedAt)],
  ]
  if (record.legacy) lines.push(['legacy', 'yes (imported; verified only with acceptLegacy)'])
  if (Object.keys(record.metadata).length > 0) lines.push(['metadata', JSON.stringify(record.metadata)])
  const width = Math.max(...lines.map(([k]) => k.length))
  return `${lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`
}

/** Rows with aligned columns; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd()
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`
}

export function keyRows(records: ApiKeyRecord[]): string {
  return table(
    ['ID', 'NAME', 'OWNER', 'START', 'STATE', 'EXPIRES', 'LAST USED', 'SCOPES'],
    records.map((r) => [
      r.id,
      r.name,
      r.ownerId ?? '-',
      r.start,
      keyState(r),
      date(r.expiresAt),
      date(r.lastUsedAt),
      r.scopes.join(' ') || '-',
    ]),
  )
}
