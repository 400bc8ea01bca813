/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { raw } from 'hono/html'
import type { FC } from 'hono/jsx'
import type { ApiKeyRecord, AuditEntry } from 'keywarden'
import { usageChart, usageLegend } from '../charts/usage.js'
import { RANGES, type RangeName, type UsageBucketView } from '../data.js'
import { keyState } from '../format.js'
import { AuditTable } from './audit-table.js'
import { type FieldErrors, KeyEditForm, type KeyEditValues } from './key-edit-form.js'
import { KeyLimits } from './keys.js'
import { Time } from './layout.js'
import { RangePicker } from './range.js'

export interface KeyPageProps {
  record: ApiKeyRecord
  range: RangeName
  buckets: UsageBucketView[]
  /** null: the store keeps no audit log. */
  audit: AuditEntry[] | null
  values: KeyEditValues
  errors: FieldErrors
  now: Date
  csrfToken: string
}

export const KeyPage: FC<KeyPageProps> = (props) => {
  const { record, now } = props
  const state = keyState(record, now)
  const base = `/dashboard/keys/${encodeURIComponent(record.id)}`
  const range = RANGES[props.range]
  return (
    <>
      <p class="crumbs">
        <a href="/dashboard/keys">← All keys</a>
      </p>
      <section class="panel" aria-labelledby="key-title">
        <div class="panel-head">
          <h1 id="key-title">{record.name}</h1>
          <span class={`state state-${state}`}>{state}</span>
        </div>
        <dl class="facts">
          <dt>Id</dt>
          <dd>
            <code>{record.id}</code>
          </dd>
          <dt>Start</dt>
          <dd>
            <code>{record.start}…</code>
          </dd>
          <dt>Owner</dt>
          <dd>{record.ownerId ?? <span class="muted">—</span>}</dd>
          <dt>Scopes</dt>
          <dd>
            {record.scopes.length > 0 ? (
              record.scopes.map((s) => <span class="scope">{s}</span>)
            ) : (
              <span class="muted">none</span>
            )}
          </dd>
          <dt>Limits and credits</dt>
          <dd>
            <KeyLimits record={record} />
          </dd>
          <dt>Created</dt>
          <dd>
            <Time date={record.createdAt} now={now} />
          </dd>
          <dt>Last used</dt>
          <dd>
            <Time date={record.lastUsedAt} now={now} never="never" />
          </dd>
          <dt>Expires</dt>
          <dd>
            <Time date={record.expiresAt} now={now} never="never" />
          </dd>
        </dl>
      </section>
      <section class="panel" aria-labelledby="usage-title">
        <div class="panel-head">
          <h2 id="usage-title">Usage over {range.label}</h2>
          <RangePicker base={base} range={props.range} />
        </div>
        <figure class="chart-box" id="key-chart">
          {raw(
            usageChart(
              'key-usage',
              `Verifications of ${record.name} over ${range.label}`,
              props.buckets,
              range.granularity,
            ),
          )}
          <figcaption>{raw(usageLegend())}</figcaption>
        </figure>
      </section>
      <section class="panel" aria-labelledby="edit-title">
        <h2 id="edit-title">Edit</h2>
        <KeyEditForm
          keyId={record.id}
          values={props.values}
          errors={props.errors}
          csrfToken={props.csrfToken}
        />
      </section>
      <section class="panel" aria-labelledby="trail-title">
        <h2 id="trail-title">Audit trail</h2>
        {props.audit === null ? (
          <p class="empty">This store keeps no audit log.</p>
        ) : (
          <>
            <AuditTable entries={props.audit} now={now} showTarget={false} />
            <p>
              <a href={`/dashboard/audit?target=${encodeURIComponent(record.id)}`}>
                Full history in the audit log
              </a>
            </p>
          </>
        )}
      </section>
    </>
  )
}
