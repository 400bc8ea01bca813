import { ConfigError, ValidationError } from '../errors.js'
import type { ChangeContext } from '../events/types.js'
import type { SecretStore } from '../stores/types.js'
import { assertBudget, type VaultBudgets } from './budgets.js'
import { vaultChangeEvents } from './events.js'
import type { ResolvedVaultOptions } from './options.js'
import { PROVIDER_ID } from './providers.js'
import { type ResolveResult, type ResolveSource, resolveKey } from './resolve.js'
import { BUDGET_SCOPE_PREFIX, SESSION_SCOPE, TEAM_SCOPE_PREFIX, USER_SCOPE_PREFIX } from './scope.js'
import { isExpired, type VaultSealing } from './sealing.js'
import type { SecretSummary, SetSecretOptions, VaultFor, VaultHandle } from './types.js'

const MAX_KEY_LENGTH = 4096
const MAX_USER_ID_LENGTH = 512
const MAX_TEAMS = 100

function assertOwnerId(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_USER_ID_LENGTH) {
    throw new ValidationError(
      `${field} must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`,
      {
        field,
      },
    )
  }
}

function assertTtl(ttlMs: unknown, field: string): asserts ttlMs is number | null {
  if (ttlMs === null) return
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new ValidationError(`${field} must be a positive number of milliseconds, or null for no expiry`, {
      field,
    })
  }
}

function assertDate(value: unknown, field: string): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(`${field} must be a valid Date`, { field })
  }
}

function assertProviderId(provider: unknown): asserts provider is string {
  if (typeof provider !== 'string' || !PROVIDER_ID.test(provider)) {
    throw new ValidationError('provider must be a provider id such as "openai" (a-z 0-9 _ -)', {
      field: 'provider',
    })
  }
}

type HandleDeps = ResolvedVaultOptions & VaultSealing & { budgets: VaultBudgets }

// A class, not an object of closures: vault.for() runs on every request, its methods are shared.
class Handle implements VaultHandle {
  constructor(
    private readonly deps: HandleDeps,
    private readonly bound: SecretStore,
    readonly scope: string,
    private readonly source: ResolveSource,
    private readonly teamIds: readonly string[] = [],
  ) {}

  async resolve(provider: string, context?: ChangeContext): Promise<ResolveResult> {
    assertProviderId(provider)
    if (!this.deps.providers.has(provider)) this.deps.providers.assertKey(provider, '')
    const own = { scope: this.scope, source: this.source, store: this.bound }
    return resolveKey(this.deps, this.deps.budgets, own, this.teamIds, provider, context)
  }

  async set(provider: string, apiKey: string, setOptions: SetSecretOptions = {}): Promise<SecretSummary> {
    const { providers, now, defaultTtlMs, seal, summary } = this.deps
    assertProviderId(provider)
    if (typeof apiKey !== 'string') throw new ValidationError('apiKey must be a string', { field: 'apiKey' })
    const key = apiKey.trim()
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new ValidationError(`apiKey must be 1 to ${MAX_KEY_LENGTH} characters`, { field: 'apiKey' })
    }
    providers.assertKey(provider, key)
    const at = now()
    const { ttlMs, expiresAt, createdAt = at, actor, requestId, monthlyBudgetMicros } = setOptions ?? {}
    assertBudget(monthlyBudgetMicros)
    if (monthlyBudgetMicros !== undefined && this.scope === SESSION_SCOPE) {
      throw new ValidationError('monthlyBudgetMicros needs a user or team key: a session key has no budget', {
        field: 'monthlyBudgetMicros',
      })
    }
    const changes = vaultChangeEvents(this.deps.events)
    const ctx = changes.context({ actor, requestId })
    assertDate(createdAt, 'createdAt')
    let expiry: Date | null
    if (expiresAt !== undefined) {
      if (ttlMs !== undefined)
        throw new ValidationError('pass ttlMs or expiresAt, not both', { field: 'ttlMs' })
      if (expiresAt !== null) assertDate(expiresAt, 'expiresAt')
      expiry = expiresAt
    } else {
      const ttl = ttlMs === undefined ? defaultTtlMs : ttlMs
      assertTtl(ttl, 'ttlMs')
      expiry = ttl === null ? null : new Date(at.getTime() + ttl)
    }
    const record = seal({ scope: this.scope, provider, createdAt, updatedAt: at, expiresAt: expiry }, key)
    await this.bound.putSecret(record)
    if (monthlyBudgetMicros !== undefined) {
      await this.deps.budgets.write(this.scope, provider, monthlyBudgetMicros, expiry)
    }
    const shown = summary(record)
    await changes.secret('secret.put', this.scope, provider, ctx, {
      fields: [
        'apiKey',
        ...(ttlMs !== undefined ? ['ttlMs'] : []),
        ...(expiresAt !== undefined ? ['expiresAt'] : []),
        ...(monthlyBudgetMicros !== undefined ? ['monthlyBudgetMicros'] : []),
      ],
      data: { label: shown.label, createdAt: shown.createdAt, expiresAt: shown.expiresAt },
    })
    return shown
  }

  async get(provider: string): Promise<string | null> {
    assertProviderId(provider)
    const { now, open, seal, cipher } = this.deps
    const record = await this.bound.getSecret(this.scope, provider)
    if (!record || (record.expiresAt !== null && isExpired(record, now()))) return null
    const plaintext = open(record)
    if (record.keyId !== cipher.currentKeyId) {
      // Lazy rotation: session-held values are out of rotate()'s reach. Compare-and-set, so a
      // concurrent set wins; a failed write only means the value stays under its old key.
      const fresh = seal({ ...record, updatedAt: now() }, plaintext)
      await this.bound.putSecret(fresh, { ifCiphertext: record.ciphertext }).catch(() => false)
    }
    return plaintext
  }

  async has(provider: string): Promise<boolean> {
    assertProviderId(provider)
    const record = await this.bound.getSecret(this.scope, provider)
    return record !== null && !isExpired(record, this.deps.now())
  }

  async delete(provider: string, context?: ChangeContext): Promise<boolean> {
    assertProviderId(provider)
    const changes = vaultChangeEvents(this.deps.events)
    const ctx = changes.context(context)
    const deleted = await this.bound.deleteSecret(this.scope, provider)
    if (deleted && this.scope !== SESSION_SCOPE)
      await this.deps.budgets.write(this.scope, provider, null, null)
    if (deleted) await changes.secret('secret.deleted', this.scope, provider, ctx)
    return deleted
  }

  async list(): Promise<SecretSummary[]> {
    const at = this.deps.now()
    const records = (await this.bound.listSecrets(this.scope)).filter((r) => !isExpired(r, at))
    const budgets = new Map<string, number | null>()
    if (this.scope !== SESSION_SCOPE && records.length > 0) {
      for (const r of records) budgets.set(r.provider, await this.deps.budgets.read(this.scope, r.provider))
    }
    return records.map((r) => ({
      ...this.deps.summary(r),
      monthlyBudgetMicros: budgets.get(r.provider) ?? null,
    }))
  }

  async clear(context?: ChangeContext): Promise<number> {
    const changes = vaultChangeEvents(this.deps.events)
    const ctx = changes.context(context)
    const cleared = await this.bound.clearSecrets(this.scope)
    if (this.scope !== SESSION_SCOPE)
      await this.deps.store.clearSecrets(`${BUDGET_SCOPE_PREFIX}${this.scope}`)
    if (cleared > 0)
      await changes.secret('secret.deleted', this.scope, '*', ctx, { detail: { count: cleared } })
    return cleared
  }
}

/** vault.for: the handle of one user (by id, with the teams it may fall back to), one team, or one session. */
export function handleFor(deps: HandleDeps, owner: VaultFor): VaultHandle {
  const { store } = deps
  if (!owner || typeof owner !== 'object') {
    throw new ValidationError('vault.for needs { userId }, { teamId } or { session }', { field: 'owner' })
  }
  const { userId, session, teamId, teamIds } = owner
  if (teamId !== undefined && teamId !== null) {
    assertOwnerId(teamId, 'teamId')
    if ((userId ?? null) !== null || (session ?? null) !== null || teamIds !== undefined) {
      throw new ValidationError("pass { teamId } alone: a team handle holds the team's own keys", {
        field: 'teamId',
      })
    }
    return new Handle(deps, store, `${TEAM_SCOPE_PREFIX}${teamId}`, 'team')
  }
  if (userId !== undefined && userId !== null) assertOwnerId(userId, 'userId')
  let teams: string[] = []
  if (teamIds !== undefined && teamIds !== null) {
    if (!Array.isArray(teamIds) || teamIds.length > MAX_TEAMS) {
      throw new ValidationError(
        `teamIds must be an array of at most ${MAX_TEAMS} team ids, in fallback order`,
        {
          field: 'teamIds',
        },
      )
    }
    for (const id of teamIds) assertOwnerId(id, 'teamIds')
    teams = [...new Set(teamIds)]
  }
  const hasUser = typeof userId === 'string'
  let bound: SecretStore = store
  if (session !== undefined && session !== null) {
    if (typeof session.get !== 'function' || typeof session.set !== 'function') {
      throw new ValidationError(
        'session must have get, set and delete (see expressSession, fastifySession)',
        {
          field: 'session',
        },
      )
    }
    if (store.withSession) bound = store.withSession(session)
    else if (!hasUser) {
      throw new ConfigError(
        'this store is not session-bound: pass { userId }, or use sessionStore() / hybridStore() to keep values in the session',
      )
    }
  } else if (!hasUser) {
    throw new ValidationError('vault.for needs { userId }, { teamId } or { session }', { field: 'owner' })
  }
  return new Handle(deps, bound, hasUser ? `${USER_SCOPE_PREFIX}${userId}` : SESSION_SCOPE, 'user', teams)
}
