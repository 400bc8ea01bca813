import { SETTINGS } from './table.js'

/** Read by this repository's tests and benchmarks, not by the server: known, so never warned about. */
const DEVELOPMENT = ['KEYWARDEN_BENCH_VERBOSE', 'KEYWARDEN_CHROMIUM', 'KEYWARDEN_UPDATE_SCREENSHOT']
const DEVELOPMENT_PREFIX = 'KEYWARDEN_TEST_'

/** Names people set from habit (other tools' conventions) and what keywarden reads instead. */
const HABITS: Record<string, string> = {
  DATABASE_URL: 'KEYWARDEN_DATABASE_URL',
  REDIS_URL: 'KEYWARDEN_REDIS_URL',
}

const KNOWN = Object.values(SETTINGS).map((s) => s.env)

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
    }
    previous = current
  }
  return previous[b.length] as number
}

/** True when every character of `short` appears in `long` in order: DB_URL in DATABASE_URL. */
function abbreviates(short: string, long: string): boolean {
  let at = 0
  for (const char of long) if (char === short[at]) at++
  return at === short.length
}

/**
 * The valid name closest to a misspelled one (Levenshtein), when close enough to be the likely
 * intent. An abbreviation of a name (KEYWARDEN_DB_URL) wins over a nearer unrelated one (…REDIS_URL).
 */
export function closestSetting(name: string): string | null {
  let best: string | null = null
  let bestScore = Number.POSITIVE_INFINITY
  for (const known of KNOWN.filter((k) => k.startsWith('KEYWARDEN_'))) {
    const distance = levenshtein(name, known)
    const close = abbreviates(name, known) || distance <= Math.max(name.length, known.length) * 0.4
    // Abbreviations rank before everything else; within a rank, the smaller distance wins.
    const score = (abbreviates(name, known) ? 0 : 1000) + distance
    if (close && score < bestScore) [best, bestScore] = [known, score]
  }
  return best
}

/** One line per variable that looks meant for keywarden but is not read by it. */
export function settingWarnings(env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = []
  for (const name of Object.keys(env).sort()) {
    if (env[name] === undefined) continue
    const habit = HABITS[name]
    if (habit !== undefined && env[habit] === undefined) {
      warnings.push(`${name} is set but keywarden reads ${habit}; set that instead`)
      continue
    }
    if (!name.startsWith('KEYWARDEN_') || KNOWN.includes(name)) continue
    if (DEVELOPMENT.includes(name) || name.startsWith(DEVELOPMENT_PREFIX)) continue
    const closest = closestSetting(name)
    warnings.push(
      closest
        ? `${name} is not a keywarden setting and is ignored; did you mean ${closest}?`
        : `${name} is not a keywarden setting and is ignored; see the settings table in docs/server.md`,
    )
  }
  return warnings
}
