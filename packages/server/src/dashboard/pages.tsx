/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Hono } from 'hono'
import { type AuditEntry, type AuditQuery, ConfigError, type Keywarden, ValidationError } from 'keywarden'
import { currentActivity } from '../log/activity.js'
import type { C, DashboardAnswers } from './answers.js'
import { parseRange, usageOver } from './data.js'
import { editPatch, editValues, fieldErrors, submittedValues } from './key-edit.js'
import { overviewData } from './overview-data.js'
import { clientAddress, type ServerEnv } from './security.js'
import { type AuditFilters, AuditPage } from './views/audit-page.js'
import type { FieldErrors, KeyEditValues } from './views/key-edit-form.js'
import { KeyPage } from './views/key-page.js'
import { NotFoundPage } from './views/not-found.js'
import { Overview } from './views/overview.js'

const AUDIT_PAGE_SIZE = 50
const TRAIL_SIZE = 20

/** The audit log's entries, or null when the store keeps none. */
async function auditOrNull(warden: Keywarden, query: Partial<AuditQuery>) {
  try {
    return await warden.audit.list(query)
  } catch (error) {
    if (error instanceof ConfigError) return null
    throw error
  }
}

/** The styled 404 page (unknown dashboard pages and keys); /api keeps its problem+json. */
export function notFoundPage(c: C, what?: string) {
  c.header('Cache-Control', 'no-store')
  return c.html(`<!doctype html>${<NotFoundPage what={what} />}`, 404)
}

/** GET pages: overview, key detail (and its edit form), audit log, provider keys. */
export function dashboardPages(
  app: Hono<ServerEnv>,
  { warden, now, answers }: { warden: Keywarden; now: () => Date; answers: DashboardAnswers },
): void {
  const { shellPage } = answers

  app.get('/', async (c) => {
    const range = parseRange(c.req.query('range'))
    const data = await overviewData(warden, range, now())
    return shellPage(c, 'Overview', <Overview {...data} />)
  })

  app.get('/dashboard/keys', (c) => answers.renderPage(c, {}))
  app.get('/dashboard/providers', (c) => answers.renderProviders(c))

  async function keyPage(
    c: C,
    id: string,
    edit?: { values: KeyEditValues; errors: FieldErrors },
    status = 200,
  ) {
    const record = await warden.keys.get(id)
    if (!record) return notFoundPage(c, `No key has the id "${id}". It may have been deleted.`)
    const range = parseRange(c.req.query('range'))
    const when = now()
    const [buckets, audit] = await Promise.all([
      usageOver(warden, range, when, record.id),
      auditOrNull(warden, { targetId: record.id, limit: TRAIL_SIZE }),
    ])
    const saved = c.req.query('saved') === '1' && !edit
    return shellPage(
      c,
      record.name,
      <KeyPage
        record={record}
        range={range}
        buckets={buckets}
        audit={audit?.items ?? null}
        values={edit?.values ?? editValues(record)}
        errors={edit?.errors ?? {}}
        now={when}
        csrfToken={c.get('session').csrfToken}
      />,
      {
        status,
        ...(saved ? { flash: { kind: 'success' as const, message: `Key "${record.name}" saved.` } } : {}),
        ...(edit
          ? { flash: { kind: 'error' as const, message: 'Not saved: fix the field marked below.' } }
          : {}),
      },
    )
  }

  app.get('/dashboard/keys/:id', (c) => keyPage(c, c.req.param('id')))

  // A plain form post: on success back to the key page (303), on a bad value the form again with
  // the error next to its field (422), so it works without htmx and the URL stays the key's.
  app.post('/dashboard/keys/:id/edit', async (c) => {
    const id = c.req.param('id')
    const record = await warden.keys.get(id)
    if (!record) return notFoundPage(c, `No key has the id "${id}". It may have been deleted.`)
    const values = submittedValues(await c.req.parseBody())
    try {
      const patch = editPatch(record, values, now())
      if (Object.keys(patch).length > 0) {
        const session = c.get('session')
        await warden.keys.update(id, patch, {
          actor: { type: 'session', id: session.adminKeyId, address: clientAddress(c) },
          ...requestId(),
        })
      }
      return c.redirect(`/dashboard/keys/${encodeURIComponent(id)}?saved=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return keyPage(c, id, { values, errors: fieldErrors(error) }, 422)
      return answers.failure(c, error)
    }
  })

  app.get('/dashboard/audit', async (c) => {
    const q = (name: string) => (c.req.query(name) ?? '').trim().slice(0, 200)
    const filters: AuditFilters = {
      action: q('action'),
      target: q('target'),
      actor: q('actor'),
      owner: q('owner'),
    }
    const cursor = c.req.query('cursor') || null
    const query: Partial<AuditQuery> = {
      limit: AUDIT_PAGE_SIZE,
      cursor,
      ...(filters.action ? { action: filters.action as AuditQuery['action'] } : {}),
      ...(filters.target ? { targetId: filters.target } : {}),
      ...(filters.actor ? { actorId: filters.actor } : {}),
      ...(filters.owner ? { ownerId: filters.owner } : {}),
    }
    let page: { items: AuditEntry[]; nextCursor: string | null } | null
    try {
      page = await auditOrNull(warden, query)
    } catch (error) {
      // A stale cursor or an unknown action typed into the URL: show the newest entries instead.
      if (error instanceof ValidationError) return c.redirect('/dashboard/audit', 303)
      throw error
    }
    const href = (next: string | null) => {
      const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v))
      if (next) params.set('cursor', next)
      const text = params.toString()
      return text ? `/dashboard/audit?${text}` : '/dashboard/audit'
    }
    return shellPage(
      c,
      'Audit log',
      <AuditPage
        filters={filters}
        entries={page?.items ?? null}
        olderHref={page?.nextCursor ? href(page.nextCursor) : null}
        paged={cursor !== null}
        newestHref={href(null)}
        now={now()}
      />,
    )
  })
}

function requestId(): { requestId?: string } {
  const id = currentActivity()?.reqId
  return id ? { requestId: id } : {}
}
