import { hash } from 'node:crypto'
import { measure } from 'mitata'
import { createKeyChecker } from '../packages/keywarden/src/keys/format.js'

export interface Comparison {
  name: string
  /** The thing measured. */
  subject: () => unknown
  /** The floor it is held against, measured in the same run. */
  floor: () => unknown
  /** Largest acceptable subject time / floor time (e.g. 1.3), or for throughput-style budgets use `minRatio`. */
  maxRatio: number
  floorName: string
  /**
   * 'cpu' for subjects that do no I/O: alternating blocks timed by this process's CPU time, so the
   * time a shared machine gives to other work does not count. Default 'wall' (mitata), which I/O
   * needs: waiting on a database is part of the figure.
   */
  clock?: 'wall' | 'cpu'
}

export interface ComparisonResult {
  name: string
  floorName: string
  subjectNs: number
  floorNs: number
  ratio: number
  maxRatio: number
  ok: boolean
  /** A req/s budget (subject/floor >= 1/maxRatio), stored as time ratios like the others. */
  throughput?: true
}

const results: ComparisonResult[] = []

async function averageNs(fn: () => unknown): Promise<number> {
  const stats = await measure(fn as () => void, { min_cpu_time: 300 * 1e6 })
  return stats.p50 ?? stats.avg
}

function opsPerSecond(ns: number): string {
  return Math.round(1e9 / ns).toLocaleString('en-US')
}

/** CPU nanoseconds per call of `calls` calls in a row, each awaited if it returns a promise. */
async function cpuNsPerCall(fn: () => unknown, calls: number, awaited: boolean): Promise<number> {
  const before = process.cpuUsage()
  if (awaited) for (let n = 0; n < calls; n++) await fn()
  else for (let n = 0; n < calls; n++) fn()
  const used = process.cpuUsage(before)
  return ((used.user + used.system) * 1000) / calls
}

const CPU_PAIRS = 41
const CPU_BLOCK_NS = 25e6

/**
 * Subject and floor in alternating blocks of ~25 ms of CPU, 41 pairs: the figure is the median
 * pair's ratio, the ns/op beside it that pair's. Neighbouring blocks see the same machine state.
 */
async function cpuPairs(subject: () => unknown, floor: () => unknown) {
  const awaited = { subject: subject() instanceof Promise, floor: floor() instanceof Promise }
  let calls = { subject: 1000, floor: 1000 }
  for (let warm = 0; warm < 3; warm++) {
    const perCall = {
      subject: await cpuNsPerCall(subject, calls.subject, awaited.subject),
      floor: await cpuNsPerCall(floor, calls.floor, awaited.floor),
    }
    calls = {
      subject: Math.max(100, Math.round(CPU_BLOCK_NS / Math.max(perCall.subject, 1))),
      floor: Math.max(100, Math.round(CPU_BLOCK_NS / Math.max(perCall.floor, 1))),
    }
  }
  const pairs: Array<{ subjectNs: number; floorNs: number }> = []
  for (let n = 0; n < CPU_PAIRS; n++) {
    const floorNs = await cpuNsPerCall(floor, calls.floor, awaited.floor)
    const subjectNs = await cpuNsPerCall(subject, calls.subject, awaited.subject)
    pairs.push({ subjectNs, floorNs })
  }
  pairs.sort((a, b) => a.subjectNs / a.floorNs - b.subjectNs / b.floorNs)
  return pairs[pairs.length >> 1] as { subjectNs: number; floorNs: number }
}

/**
 * Measures subject and floor alternately so both see the same machine state, then prints ops/s
 * and the ratio of time per op beside its budget. Wall clock: three rounds each, best median kept.
 */
export async function compare({
  name,
  subject,
  floor,
  maxRatio,
  floorName,
  clock = 'wall',
}: Comparison): Promise<ComparisonResult> {
  let subjectNs = Number.POSITIVE_INFINITY
  let floorNs = Number.POSITIVE_INFINITY
  if (clock === 'cpu') ({ subjectNs, floorNs } = await cpuPairs(subject, floor))
  else
    for (let round = 0; round < 3; round++) {
      floorNs = Math.min(floorNs, await averageNs(floor))
      subjectNs = Math.min(subjectNs, await averageNs(subject))
    }
  const ratio = subjectNs / floorNs
  const result = { name, floorName, subjectNs, floorNs, ratio, maxRatio, ok: ratio <= maxRatio }
  results.push(result)
  report(result)
  return result
}

/**
 * A comparison measured elsewhere (each side in its own process, say), reported and summarised
 * like `compare`'s.
 */
export function recordComparison(
  measured: Pick<ComparisonResult, 'name' | 'floorName' | 'subjectNs' | 'floorNs' | 'maxRatio'>,
): ComparisonResult {
  const ratio = measured.subjectNs / measured.floorNs
  const result = { ...measured, ratio, ok: ratio <= measured.maxRatio }
  results.push(result)
  report(result)
  return result
}

/**
 * For budgets stated as throughput (HTTP requests/s): subject/floor must be at least `minRatio`.
 * Without `minRatio` the line is context ("info") and stays out of the summary.
 */
export function recordThroughput(
  name: string,
  floorName: string,
  subjectPerSec: number,
  floorPerSec: number,
  minRatio?: number,
) {
  const ratio = subjectPerSec / floorPerSec
  const ok = minRatio === undefined || ratio >= minRatio
  const status = minRatio === undefined ? 'info' : ok ? 'ok  ' : 'OVER'
  const perSecond = (n: number) => Math.round(n).toLocaleString('en-US')
  console.log(
    `${status} ${name}: ${perSecond(subjectPerSec)} req/s vs ${floorName} ${perSecond(floorPerSec)} req/s -> ratio ${ratio.toFixed(3)}${minRatio === undefined ? '' : ` (budget >= ${minRatio})`}`,
  )
  results.push({
    name,
    floorName,
    subjectNs: 1e9 / subjectPerSec,
    floorNs: 1e9 / floorPerSec,
    ratio: 1 / ratio,
    maxRatio: minRatio === undefined ? Number.POSITIVE_INFINITY : 1 / minRatio,
    ok,
    throughput: true,
  })
}

function report(r: ComparisonResult): void {
  const status = r.maxRatio === Number.POSITIVE_INFINITY ? 'info' : r.ok ? 'ok  ' : 'OVER'
  console.log(
    `${status} ${r.name}: ${opsPerSecond(r.subjectNs)} ops/s (${r.subjectNs.toFixed(0)} ns/op) vs ${r.floorName} ${opsPerSecond(r.floorNs)} ops/s (${r.floorNs.toFixed(0)} ns/op) -> ratio ${r.ratio.toFixed(3)}${r.maxRatio === Number.POSITIVE_INFINITY ? '' : ` (budget <= ${r.maxRatio})`}`,
  )
}

/** The floor of in-process verify, as DESIGN.md names it (Performance). */
export const VERIFY_FLOOR_NAME = 'checksum + SHA-256 hex + Map.get behind one promise'

/**
 * What any verification of these keys must do at least: the checksum check (the key format's
 * design), SHA-256 hex with the same one-shot crypto.hash the engine uses, and a Map.get, all
 * behind one promise because verify's API is async.
 */
export function verifyFloor(keys: readonly string[], prefix: string): (key: string) => Promise<unknown> {
  const isWellFormed = createKeyChecker(prefix)
  const byHash = new Map<string, { id: string }>()
  for (const key of keys) byHash.set(hash('sha256', key, 'hex'), { id: key.slice(0, 8) })
  return async (key) => (isWellFormed(key) ? byHash.get(hash('sha256', key, 'hex')) : undefined)
}

/** Results that carry a budget (context figures with an infinite budget are left out). */
export function summary(): ComparisonResult[] {
  return results.filter((r) => r.maxRatio !== Number.POSITIVE_INFINITY)
}
