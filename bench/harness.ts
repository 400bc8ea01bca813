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

/**
 * Measures subject and floor alternately (three rounds each, best median kept) so both see the
 * same machine state, then prints ops/s and the ratio of time per op beside its budget.
 */
export async function compare({
  name,
  subject,
  floor,
  maxRatio,
  floorName,
}: Comparison): Promise<ComparisonResult> {
  let subjectNs = Number.POSITIVE_INFINITY
  let floorNs = Number.POSITIVE_INFINITY
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
