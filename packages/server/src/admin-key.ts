import type { CreatedKey, Keywarden } from 'keywarden'
import { ADMIN_SCOPE } from './dashboard/routes.js'

/**
 * On first start (no key at all) creates the admin key the dashboard and the management API
 * accept. Returns it once, for printing; null when the database already has keys.
 */
export async function ensureAdminKey(warden: Keywarden): Promise<CreatedKey | null> {
  const page = await warden.keys.list({ limit: 1 })
  if (page.items.length > 0) return null
  return warden.keys.create({
    name: 'admin',
    ownerId: 'admin',
    scopes: [ADMIN_SCOPE],
    metadata: { createdBy: 'keywarden serve (first start)' },
  })
}

export function adminKeyNotice(created: CreatedKey): string {
  return [
    '',
    'keywarden: first start on an empty database; created an admin key (scope keywarden:admin).',
    'It is shown only this once. Store it now; sign in to the dashboard with it:',
    '',
    `  ${created.key}`,
    '',
  ].join('\n')
}
