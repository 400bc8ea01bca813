/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { AUDIT_ACTIONS, type AuditEntry } from 'keywarden'
import { AuditTable } from './audit-table.js'

export interface AuditFilters {
  action: string
  target: string
  actor: string
  owner: string
}

export interface AuditPageProps {
  filters: AuditFilters
  /** null: the store keeps no audit log. */
  entries: AuditEntry[] | null
  /** The URL of the next (older) page, or null. */
  olderHref: string | null
  /** True when this is not the newest page. */
  paged: boolean
  newestHref: string
  now: Date
}

export const AuditPage: FC<AuditPageProps> = ({ filters, entries, olderHref, paged, newestHref, now }) => (
  <section class="panel" aria-labelledby="audit-title">
    <h1 id="audit-title">Audit log</h1>
    <p class="lead">Every change to keys, provider keys and sessions, newest first, with who made it.</p>
    <form class="grid search" method="get" action="/dashboard/audit" aria-label="Filter the audit log">
      <label for="audit-action">
        Action
        <select id="audit-action" name="action">
          <option value="" selected={filters.action === ''}>
            any
          </option>
          {AUDIT_ACTIONS.map((a) => (
            <option value={a} selected={filters.action === a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label for="audit-target">
        <span>
          Target <span class="opt">(key id, …)</span>
        </span>
        <input id="audit-target" name="target" value={filters.target} />
      </label>
      <label for="audit-actor">
        <span>
          Actor <span class="opt">(key id)</span>
        </span>
        <input id="audit-actor" name="actor" value={filters.actor} />
      </label>
      <label for="audit-owner">
        Owner
        <input id="audit-owner" name="owner" value={filters.owner} />
      </label>
      <div class="buttons">
        <button type="submit">Filter</button>
        {Object.values(filters).some(Boolean) ? <a href="/dashboard/audit">Clear</a> : null}
      </div>
    </form>
    {entries === null ? (
      <p class="empty">This store keeps no audit log (memory, SQL and Redis stores do).</p>
    ) : (
      <AuditTable entries={entries} now={now} />
    )}
    <nav class="pager" aria-label="Audit pages">
      {paged ? <a href={newestHref}>← Newest</a> : <span class="muted">← Newest</span>}
      {olderHref ? (
        <a href={olderHref} rel="next">
          Older →
        </a>
      ) : (
        <span class="muted">Older →</span>
      )}
    </nav>
  </section>
)
