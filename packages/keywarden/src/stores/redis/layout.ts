import { ConfigError } from '../../errors.js'

/**
 * Redis key layout. Redis Cluster places a key by the part inside its first `{…}` (the hash
 * tag), and a multi-key command or Lua script must keep all its keys in one slot.
 *
 *   <ns>:key:{<hash>}    STRING the record: fixed-width lastUsedAt, remaining, lastRefillAt, then JSON (codec.ts) (tag: key hash)
 *   <ns>:win:{<hash>}    HASH  rate-limit counts, field <rule>:<window start> (tag: key hash)
 *   <ns>:gen:{<hash>}    STRING cache-tier generation, bumped by every invalidation (tag: key hash)
 *   <ns>:grp:{<hash>}    HASH  a limit group: balance `c`, members `m:<id>` (tag: hash of its first key)
 *   <ns>:id:{<id>}       STRING the key hash, the id -> record pointer          (tag: id)
 *   <ns>:owner:{<owner>} ZSET  ids of one owner, score createdAt ms            (tag: owner)
 *   <ns>:all             ZSET  ids of every key, score createdAt ms
 *   <ns>:secret:{<scope>} HASH provider -> JSON secret record                  (tag: scope)
 *   <ns>:scopes          ZSET  every scope holding secrets, lexicographic (score 0)
 *   <ns>:audit:{<id>}    STRING one audit entry as JSON, never changed              (tag: entry id)
 *   <ns>:audit:all       ZSET  `<at, 15 digits>:<id>` of every entry, lexicographic (score 0)
 *   <ns>:audit:<kind>:{<value>} ZSET the same members for one target, actor, owner or action (tag: value)
 *   <ns>:notice:{<id>}   STRING a notice claim (SET NX, with a TTL when given)    (tag: notice id)
 *   <ns>:wh:{<ns>:webhooks}:…    webhooks (tag: the one `<ns>:webhooks` for all of them, see webhooks.ts):
 *     …ep:<id> HASH an endpoint; …eps ZSET its index; …d:<id> HASH an outbox entry with its lease;
 *     …due ZSET pending entry ids by nextAt; …ed:<id> SET an endpoint's entry ids;
 *     …a:<id> STRING an attempt as JSON; …ea:<id> ZSET an endpoint's attempts by (at, id)
 *
 * The record is tagged by its hash because verification, the hot path, knows the hash only: it
 * is one GET on one node. Lookup by id reaches the same tag in one step (GET the pointer, then
 * read the record). Everything that must change atomically with the record (its fields, its
 * expiry, its cache generation) shares the record's tag, so those updates are single Lua scripts
 * that also run on a cluster. The pointer and the sorted sets live on other slots; they are
 * written in an order that keeps every intermediate state harmless (see key-store.ts).
 * A limit group (keys of one roll chain) lives on its first key's slot, next to that key's
 * record and counters, so the first roll turns them into the group's in one script; every key of
 * the group then spends there (`win:{<first hash>}` holds the group's counts).
 */
export interface Layout {
  record(hash: string): string
  generation(hash: string): string
  windows(hash: string): string
  group(tag: string): string
  pointer(id: string): string
  owner(ownerId: string): string
  all: string
  secrets(scope: string): string
  scopes: string
  auditEntry(id: string): string
  /** The index of every entry (kind 'all') or of one target, actor, owner or action. */
  auditIndex(kind: 'all' | 'target' | 'actor' | 'owner' | 'action', value?: string): string
  notice(id: string): string
  /** The prefix of every webhook key, `<ns>:wh:{<ns>:webhooks}:` (one slot for all of them). */
  webhooks: string
  /** SCAN pattern matching every key of this namespace. */
  pattern: string
}

const NAMESPACE = /^[A-Za-z0-9_.:-]{1,64}$/
const NAMESPACE_RULE = 'must be 1-64 characters of A-Z a-z 0-9 _ . : - (no braces)'

/** Why `redisStore` would refuse this namespace, or null: for configuration loaders. */
export function redisNamespaceProblem(namespace: string): string | null {
  return NAMESPACE.test(namespace) ? null : NAMESPACE_RULE
}

export function layout(namespace: string): Layout {
  if (typeof namespace !== 'string' || redisNamespaceProblem(namespace) !== null) {
    throw new ConfigError(`namespace ${NAMESPACE_RULE}`)
  }
  const ns = namespace
  return {
    record: (hash) => `${ns}:key:{${hash}}`,
    generation: (hash) => `${ns}:gen:{${hash}}`,
    windows: (hash) => `${ns}:win:{${hash}}`,
    group: (tag) => `${ns}:grp:{${tag}}`,
    pointer: (id) => `${ns}:id:{${id}}`,
    owner: (ownerId) => `${ns}:owner:{${ownerId}}`,
    all: `${ns}:all`,
    secrets: (scope) => `${ns}:secret:{${scope}}`,
    scopes: `${ns}:scopes`,
    auditEntry: (id) => `${ns}:audit:{${id}}`,
    auditIndex: (kind, value) => (kind === 'all' ? `${ns}:audit:all` : `${ns}:audit:${kind}:{${value}}`),
    notice: (id) => `${ns}:notice:{${id}}`,
    webhooks: `${ns}:wh:{${ns}:webhooks}:`,
    pattern: `${ns}:*`,
  }
}
