import {
  CREDITS,
  GROUPED_MARK,
  JSON_AT,
  LAST_REFILL,
  LAST_USED,
  NULL_MARK,
  REMAINING,
  type Slot,
} from './codec.js'

// Lua fragments for reading and writing a key record, templated from the layout in codec.ts so
// the scripts cannot drift from the codec. Lua strings are 1-based and string.sub is inclusive;
// GETRANGE and SETRANGE take 0-based offsets, as the codec does.

/** `string.sub` of a slot of `text`, where `text` starts at character `from` of the record. */
const sub = (text: string, { at, width }: Slot, from = 0) =>
  `string.sub(${text}, ${at - from + 1}, ${at - from + width})`

/** The start of record `value` as long as ARGV[arg] (an id prefix, see codec.idPrefix). */
export const idPrefixOf = (value: string, arg: number) =>
  `string.sub(${value}, ${JSON_AT + 1}, ${JSON_AT} + #ARGV[${arg}])`

/** GETRANGE arguments reading the id prefix of the record at `key`, as long as ARGV[arg]. */
export const idPrefixRange = (key: string, arg: number) =>
  `${key}, ${JSON_AT}, ${JSON_AT - 1} + #ARGV[${arg}]`

/** The lastUsedAt field of record `value`, and its JSON (what consume-by-hash.ts compares). */
export const lastUsedOf = (value: string) => sub(value, LAST_USED)
export const jsonOf = (value: string) => `string.sub(${value}, ${JSON_AT + 1})`

/** True when record `value` keeps its balance in a limit group. */
export const isGrouped = (value: string) =>
  `string.byte(${value}, ${CREDITS.at + 1}) == ${GROUPED_MARK.charCodeAt(0)}`

/** The credit fields of record `value` (what a group's `c` holds). */
export const creditsOf = (value: string) => sub(value, CREDITS)

/** Everything of record `value` before its credit fields (lastUsedAt), and everything from them on. */
export const beforeCredits = (value: string) => `string.sub(${value}, 1, ${CREDITS.at})`
export const fromCredits = (value: string) => `string.sub(${value}, ${CREDITS.at + 1})`

/** remaining and lastRefillAt within credit fields `credits`. */
export const remainingIn = (credits: string) => sub(credits, REMAINING, CREDITS.at)
export const lastRefillIn = (credits: string) => sub(credits, LAST_REFILL, CREDITS.at)

/** True when fixed-width field `text` holds null. */
export const isNull = (text: string) => `string.byte(${text}, 1) == ${NULL_MARK.charCodeAt(0)}`

/** Lua expressions formatting number `n` as the fixed-width remaining / lastRefillAt field. */
export const formatRemaining = (n: string) => `string.format('%0${REMAINING.width}.0f', ${n})`
export const formatLastRefill = (n: string) => `string.format('%0${LAST_REFILL.width}.0f', ${n})`

/** SETRANGE offsets of the lastUsedAt field and of the credit fields. */
export const LAST_USED_OFFSET = LAST_USED.at
export const CREDITS_OFFSET = CREDITS.at
