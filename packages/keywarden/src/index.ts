export {
  ConfigError,
  ConflictError,
  DecryptError,
  describeError,
  KeywardenError,
  type KeywardenErrorCode,
  type KeywardenErrorOptions,
  NotFoundError,
  StoreError,
  ValidationError,
} from './errors.js'
export { changeContext, createEventHub, type EventHub, type EventHubOptions } from './events/hub.js'
export {
  type Actor,
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type ChangeContext,
  type EventDetail,
  type EventFacts,
  type EventListener,
  type EventTarget,
  type EventType,
  type KeywardenEvent,
  type NewEvent,
  NOTICE_TYPES,
} from './events/types.js'
export { type GeneratedKey, generateKey, type ParsedKey, parseKey } from './keys/format.js'
export {
  type CreatedKey,
  type CreateKeyInput,
  createKeywarden,
  type Keywarden,
  type KeywardenOptions,
  type ListKeysOptions,
  type RollOptions,
  type SearchKeysOptions,
  type SearchKeysResult,
  type UpdateKeyInput,
  type VerifyFailureCode,
  type VerifyOptions,
  type VerifyRateLimited,
  type VerifyResult,
  type VerifyValid,
} from './keys/keywarden.js'
export type { LastUsedOptions } from './keys/last-used.js'
export type { LeakLabel, LeakPolicy, ReportLeakOptions } from './keys/leak.js'
export { findKeys, keyPattern } from './keys/pattern.js'
export type { ScopeOptions, ScopeRequirement } from './keys/scopes.js'
export type { ExpiryScanOptions, ExpiryScanResult } from './notices/expiry.js'
export { CREDITS_LOW_RATIO } from './notices/usage.js'
export { assertStrongSecret, MIN_SECRET_BYTES } from './secrets/strength.js'
export { AUDIT_LIMITS, assertAuditEntry, auditMatches } from './stores/audit-entry.js'
export type { AuditQuery, AuditStore } from './stores/audit-types.js'
export { decodeCursor, encodeCursor, isAfterCursor, type KeyCursor } from './stores/cursor.js'
export { assertKeyDates } from './stores/dates.js'
export {
  KEY_STATES,
  type KeyState,
  keyMatches,
  keyStateAt,
  type SearchKeysQuery,
  type SearchPage,
} from './stores/key-search.js'
// What the built-in stores share, for a third-party store to behave exactly like them: cursors,
// the Invalid Date check every write runs, and the sliding-window decision of consumeKey.
export type { ClaimNoticeOptions, NoticeStore } from './stores/notice-types.js'
// The stores' own rules for their settings, so the server and CLI check configuration the same way.
export { redisNamespaceProblem } from './stores/redis/layout.js'
export {
  type ConsumeDecision,
  type CounterSnapshot,
  checkWindow,
  decideConsume,
  retryAfter,
  slidingCount,
  type WindowCounts,
  windowStart,
} from './stores/sliding-window.js'
export { tablePrefixProblem } from './stores/sql/options.js'
export { databaseUrlProblem } from './stores/sql/url.js'
export type {
  ApiKeyRecord,
  ConsumedByHash,
  ConsumeOutcome,
  ConsumeRequest,
  DeleteSecretOptions,
  KeyPatch,
  KeyStore,
  LimitState,
  ListKeysQuery,
  Page,
  PutSecretOptions,
  RateLimitRule,
  Refill,
  RolledKeys,
  ScanQuery,
  SecretRecord,
  SecretStore,
  SessionLike,
  StoredKey,
  TouchEntry,
} from './stores/types.js'
export type { UsageRow, UsageStore, UsageSum, UsageSumQuery } from './stores/usage-types.js'
export type {
  UsageBucket,
  UsageCounter,
  UsageGranularity,
  UsageOptions,
  UsageQuery,
  UsageReport,
} from './usage/types.js'
