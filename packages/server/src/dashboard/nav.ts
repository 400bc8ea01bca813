/**
 * The dashboard's navigation, in one place: a page added later (webhooks, …) is one line here and
 * one route. `match` says which paths highlight the entry.
 */
export interface NavItem {
  id: string
  label: string
  href: string
  match: (path: string) => boolean
}

export const NAV: NavItem[] = [
  { id: 'overview', label: 'Overview', href: '/', match: (p) => p === '/' },
  { id: 'keys', label: 'Keys', href: '/dashboard/keys', match: (p) => p.startsWith('/dashboard/keys') },
  {
    id: 'audit',
    label: 'Audit log',
    href: '/dashboard/audit',
    match: (p) => p.startsWith('/dashboard/audit'),
  },
  {
    id: 'providers',
    label: 'Provider keys',
    href: '/dashboard/providers',
    match: (p) => p.startsWith('/dashboard/providers'),
  },
  {
    id: 'webhooks',
    label: 'Webhooks',
    href: '/dashboard/webhooks',
    match: (p) => p.startsWith('/dashboard/webhooks'),
  },
]
