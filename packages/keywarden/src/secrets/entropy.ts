import {
  CLASS_SIZES,
  classOf,
  keyboardRuns,
  log2Choose,
  type Match,
  type PatternKind,
  repeats,
  sequences,
  words,
} from './patterns.js'

export interface EntropyEstimate {
  /** About how many bits a guesser who knows these patterns needs. */
  bits: number
  /** The patterns the cheapest explanation used. */
  patterns: PatternKind[]
  distinct: number
}

/** Longer secrets are judged by their start: enough to tell, and it keeps the quadratic search small. */
export const MAX_ANALYSED = 256

/**
 * Bits per character for text no pattern explains: the cheaper of "any character of the classes
 * present" and "these `distinct` characters, then any sequence of them", so a secret made of few
 * different characters costs little even when shuffled.
 */
function literalBits(symbols: readonly number[]): { perSymbol: number; distinct: number } {
  const present = new Set(symbols.map(classOf))
  const alphabet = [...present].reduce((sum, cls) => sum + (CLASS_SIZES[cls] as number), 0)
  const distinct = new Set(symbols).size
  const n = symbols.length
  const byClass = n * Math.log2(alphabet)
  const byDistinct = log2Choose(alphabet, distinct) + n * Math.log2(distinct)
  return { perSymbol: Math.min(byClass, byDistinct) / n, distinct }
}

/**
 * A zxcvbn-style estimate: the cheapest way to write the secret as literal characters, repeats,
 * sequences, keyboard runs and common words, found by dynamic programming over its positions.
 */
export function estimateEntropy(all: readonly number[]): EntropyEstimate {
  const symbols = all.slice(0, MAX_ANALYSED)
  const n = symbols.length
  if (n === 0) return { bits: 0, patterns: [], distinct: 0 }
  const { perSymbol, distinct } = literalBits(symbols)
  const starting: Match[][] = Array.from({ length: n }, () => [])
  const add = (match: Match) => starting[match.start]?.push(match)
  repeats(symbols, add)
  sequences(symbols, add)
  keyboardRuns(symbols, add)
  words(symbols, add)

  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY)
  const via: Array<Match | null> = new Array(n + 1).fill(null)
  best[0] = 0
  for (let i = 0; i < n; i++) {
    const here = best[i] as number
    if (here + perSymbol < (best[i + 1] as number)) {
      best[i + 1] = here + perSymbol
      via[i + 1] = null
    }
    for (const match of starting[i] as Match[]) {
      if (here + match.bits < (best[match.end] as number)) {
        best[match.end] = here + match.bits
        via[match.end] = match
      }
    }
  }
  const patterns = new Set<PatternKind>()
  for (let at = n; at > 0; ) {
    const match = via[at]
    if (match) patterns.add(match.kind)
    at = match ? match.start : at - 1
  }
  return { bits: best[n] as number, patterns: [...patterns], distinct }
}
