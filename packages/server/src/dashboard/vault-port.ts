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
}

export interface DashboardVault {
  providers(): DashboardProvider[]
  list(userId: string): Promise<DashboardSecret[]>
  /** Throws ValidationError when the key does not match the provider. */
  set(userId: string, provider: string, key: string): Promise<void>
  delete(userId: string, provider: string): Promise<boolean>
}
