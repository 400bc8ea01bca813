import { KEY_COUNT, keyAt, step } from './keyboard.js'
import { WORDS } from './words.js'

export type PatternKind = 'repeat' | 'sequence' | 'keyboard' | 'word'

/** A stretch [start, end) of the secret that a guesser could produce in about `bits` bits. */
export interface Match {
  start: number
  end: number
  bits: number
  kind: PatternKind
}

const MIN_LENGTH = 3
const MAX_DELTA = 5

/** Character classes and how many symbols each holds; their sum is a guesser's alphabet. */
export function classOf(symbol: number): number {
  if (symbol >= 97 && symbol <= 122) return 0
  if (symbol >= 65 && symbol <= 90) return 1
  if (symbol >= 48 && symbol <= 57) return 2
  if (symbol >= 32 && symbol <= 126) return 3
  return 4
}
export const CLASS_SIZES = [26, 26, 10, 33, 161] as const

export function log2Choose(n: number, k: number): number {
  let bits = 0
  for (let i = 0; i < k; i++) bits += Math.log2((n - i) / (i + 1))
  return bits
}

/** Bits to say which `marked` of `length` positions are special (upper case, leet); 0 when none. */
function variantBits(length: number, marked: number): number {
  const fewer = Math.min(marked, length - marked)
  if (fewer === 0) return marked === 0 ? 0 : 1
  let ways = 0
  for (let i = 1; i <= fewer; i++) ways += 2 ** log2Choose(length, i)
  return Math.max(1, Math.log2(ways))
}

/** Text copied from earlier in the secret ("abcabc", "P@ssw0rdP@ssw0rd"): where from, and how long. */
export function repeats(symbols: readonly number[], add: (m: Match) => void): void {
  const n = symbols.length
  const longest = new Int32Array(n)
  const run = new Int32Array(n + 1)
  for (let distance = 1; distance < n; distance++) {
    run[n] = 0
    for (let i = n - 1; i >= distance; i--) {
      run[i] = symbols[i] === symbols[i - distance] ? (run[i + 1] as number) + 1 : 0
      if ((run[i] as number) > (longest[i] as number)) longest[i] = run[i] as number
    }
  }
  for (let i = 1; i < n; i++) {
    for (let length = MIN_LENGTH; length <= (longest[i] as number); length++) {
      add({ start: i, end: i + length, bits: 1 + Math.log2(i) + Math.log2(length), kind: 'repeat' })
    }
  }
}

/** Runs with one step between neighbours in one class: "abcdef", "97531", "ZYX". */
export function sequences(symbols: readonly number[], add: (m: Match) => void): void {
  const n = symbols.length
  for (let start = 0; start + MIN_LENGTH <= n; start++) {
    const first = symbols[start] as number
    const delta = (symbols[start + 1] as number) - first
    if (delta === 0 || Math.abs(delta) > MAX_DELTA) continue
    const cls = classOf(first)
    let end = start + 1
    while (
      end < n &&
      (symbols[end] as number) - (symbols[end - 1] as number) === delta &&
      classOf(symbols[end] as number) === cls
    )
      end++
    for (let stop = start + MIN_LENGTH; stop <= end; stop++) {
      const bits =
        Math.log2(CLASS_SIZES[cls] as number) +
        Math.log2(Math.abs(delta)) +
        (delta < 0 ? 1 : 0) +
        Math.log2(stop - start)
      add({ start, end: stop, bits, kind: 'sequence' })
    }
  }
}

/** Runs of neighbouring keys: "qwerty", "asdf", "1qaz2wsx"; a change of direction costs a choice of six. */
export function keyboardRuns(symbols: readonly number[], add: (m: Match) => void): void {
  const n = symbols.length
  for (let start = 0; start + MIN_LENGTH <= n; start++) {
    let previous = keyAt(symbols[start] as number)
    if (!previous) continue
    let direction: number | null = null
    let turns = 0
    let shifted = previous.shifted ? 1 : 0
    for (let end = start + 1; end < n; end++) {
      const key = keyAt(symbols[end] as number)
      const next = key ? step(previous, key) : null
      if (!key || next === null) break
      if (direction !== null && next !== direction) turns++
      direction = next
      if (key.shifted) shifted++
      previous = key
      const length = end + 1 - start
      if (length < MIN_LENGTH) continue
      const shiftBits = shifted === 0 ? 0 : shifted === length ? 1 : length
      const bits =
        Math.log2(KEY_COUNT) + Math.log2(6) + Math.log2(length) + turns * Math.log2(6 * length) + shiftBits
      add({ start, end: end + 1, bits, kind: 'keyboard' })
    }
  }
}

const LEET: Record<string, string> = {
  '4': 'a',
  '@': 'a',
  '8': 'b',
  '(': 'c',
  '{': 'c',
  '[': 'c',
  '<': 'c',
  '3': 'e',
  '6': 'g',
  '9': 'g',
  '1': 'il',
  '!': 'i',
  '|': 'il',
  '0': 'o',
  $: 's',
  '5': 's',
  '+': 't',
  '7': 'tl',
  '%': 'x',
  '2': 'z',
}
const DICTIONARY = [...new Set(WORDS.filter((w) => w.length >= MIN_LENGTH))]
const WORD_BITS = Math.log2(DICTIONARY.length)

function matchWord(symbols: readonly number[], start: number, word: string, reversed: boolean): Match | null {
  let upper = 0
  let leet = 0
  for (let k = 0; k < word.length; k++) {
    const want = word[reversed ? word.length - 1 - k : k] as string
    const char = String.fromCodePoint(symbols[start + k] as number)
    const lower = char.toLowerCase()
    if (lower === want) {
      if (lower !== char) upper++
    } else if (LEET[char]?.includes(want)) leet++
    else return null
  }
  const first = String.fromCodePoint(symbols[start] as number)
  const caseBits = upper === 1 && first !== first.toLowerCase() ? 1 : variantBits(word.length, upper)
  const bits = WORD_BITS + caseBits + variantBits(word.length, leet) + (reversed ? 1 : 0)
  return { start, end: start + word.length, bits, kind: 'word' }
}

/** Common words and placeholders, in any case, reversed or in leetspeak: "changeme", "P@ssw0rd". */
export function words(symbols: readonly number[], add: (m: Match) => void): void {
  for (let start = 0; start < symbols.length; start++) {
    for (const word of DICTIONARY) {
      if (start + word.length > symbols.length) continue
      const match = matchWord(symbols, start, word, false) ?? matchWord(symbols, start, word, true)
      if (match) add(match)
    }
  }
}
