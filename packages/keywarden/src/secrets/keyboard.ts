/** Where a character sits on a US QWERTY keyboard, for spotting runs of neighbouring keys. */
export interface KeyPosition {
  row: number
  /** Half-key units, so the stagger between rows is exact: 1 sits between q and the row above's `. */
  x: number
  shifted: boolean
}

const ROWS: ReadonlyArray<readonly [string, string, number]> = [
  ['`1234567890-=', '~!@#$%^&*()_+', 0],
  ['qwertyuiop[]\\', 'QWERTYUIOP{}|', 3],
  ["asdfghjkl;'", 'ASDFGHJKL:"', 4],
  ['zxcvbnm,./', 'ZXCVBNM<>?', 5],
]

const POSITIONS = new Map<number, KeyPosition>()
for (const [row, [plain, shifted, offset]] of ROWS.entries()) {
  for (let i = 0; i < plain.length; i++) {
    const x = 2 * i + offset
    POSITIONS.set(plain.charCodeAt(i), { row, x, shifted: false })
    POSITIONS.set(shifted.charCodeAt(i), { row, x, shifted: true })
  }
}

/** Distinct keys on the layout: the choices for a run's first key. */
export const KEY_COUNT = POSITIONS.size / 2

export const keyAt = (symbol: number): KeyPosition | undefined => POSITIONS.get(symbol)

/**
 * The direction from key a to neighbouring key b (one of six), or null when they are not neighbours.
 * Neighbours: the keys left and right on the same row, and the two touching keys above and below.
 */
export function step(a: KeyPosition, b: KeyPosition): number | null {
  const rows = b.row - a.row
  const dx = b.x - a.x
  if (rows === 0 && (dx === 2 || dx === -2)) return dx > 0 ? 0 : 1
  if ((rows === 1 || rows === -1) && (dx === 1 || dx === -1)) return 2 + (rows > 0 ? 0 : 2) + (dx > 0 ? 0 : 1)
  return null
}
