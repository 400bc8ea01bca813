/** What the dashboard needs from the vault, so its routes stay independent of the vault's shape. */
export interface DashboardProvider {
  id: string
  name: string
  /** The provider's key pattern, when it has one. */
  pattern: RegExp | null
  /** What a valid key looks like, for the input's hint. */
  hint: string
}

export interface DashboardSecret {
  provider: string
  masked: string
  createdAt: Date
  expiresAt: Date | null
  /** This month's usage of the key (UTC), when the vault counts usage. */
  usage?: DashboardKeyUsage | null
}

export interface DashboardKeyUsage {
  requests: number
  costMicros: number
  monthlyBudgetMicros: number | null
}

/** What testing a key against its provider answered. */
export interface DashboardCheck {
  ok: boolean
  status: number | null
  detail: string
}

export interface DashboardVault {
  providers(): DashboardProvider[]
  list(userId: string): Promise<DashboardSecret[]>
  /** Throws ValidationError when the key does not match the provider. */
  set(userId: string, provider: string, key: string): Promise<void>
  delete(userId: string, provider: string): Promise<boolean>
  /** Tests the user's saved key against the provider; null when none is saved. */
  check(userId: string, provider: string): Promise<DashboardCheck | null>
}
