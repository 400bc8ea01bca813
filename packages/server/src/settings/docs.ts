import { SETTINGS } from './table.js'

const WHERE = { server: ' (server)', cli: ' (CLI)' } as const

/**
 * The settings table of docs/server.md and docs/cli.md, generated from SETTINGS (a test keeps
 * the docs equal to it): `npx tsx -e "…settingsMarkdown()…"` prints it.
 */
export function settingsMarkdown(): string {
  const rows = Object.values(SETTINGS).map((s) => [
    `\`${s.env}\`${'for' in s && s.for ? WHERE[s.for] : ''}`,
    s.flag ? `\`${s.flag}\`` : '',
    s.shown,
    s.description,
  ])
  const header = ['Variable', 'Flag', 'Default', 'Meaning']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n')
}
