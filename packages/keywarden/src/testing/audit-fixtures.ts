import { randomBytes } from 'node:crypto'
import type { AuditEntry } from '../events/types.js'

let sequence = 0

/** A valid audit entry with a unique id (`evt_test…`), now, about a fresh key; override any field. */
export function makeAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  sequence++
  return {
    id: `evt_test${String(sequence).padStart(6, '0')}_${randomBytes(6).toString('hex')}`,
    at: new Date(),
    action: 'key.updated',
    actor: { type: 'key', id: `key_actor_${randomBytes(4).toString('hex')}`, address: '127.0.0.1' },
    target: { type: 'key', id: `key_target_${randomBytes(6).toString('hex')}` },
    fields: ['name', 'scopes'],
    requestId: `req-${sequence}`,
    ownerId: `owner-${randomBytes(4).toString('hex')}`,
    detail: { note: 'fixture', count: 2, flag: true, none: null },
    ...overrides,
  }
}
