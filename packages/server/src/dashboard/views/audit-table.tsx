/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import type { AuditEntry } from 'keywarden'
import { Time } from './layout.js'

const actorText = (entry: AuditEntry) =>
  `${entry.actor.type}${entry.actor.id ? ` ${entry.actor.id}` : ''}${entry.actor.address ? ` from ${entry.actor.address}` : ''}`

/** Audit entries, newest first: when, what, to which target, by whom, which fields. */
export const AuditTable: FC<{ entries: AuditEntry[]; now: Date; showTarget?: boolean }> = ({
  entries,
  now,
  showTarget = true,
}) =>
  entries.length === 0 ? (
    <p class="empty">No audit entries.</p>
  ) : (
    <table class="cards-on-phone audit">
      <caption class="sr-only">Audit entries</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          {showTarget ? <th scope="col">Target</th> : null}
          <th scope="col">Actor</th>
          <th scope="col">Fields</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr data-action={entry.action}>
            <td data-label="When">
              <Time date={entry.at} now={now} />
            </td>
            <td data-label="Action">
              <code>{entry.action}</code>
            </td>
            {showTarget ? (
              <td data-label="Target">
                {entry.target.type === 'key' ? (
                  <a href={`/dashboard/keys/${encodeURIComponent(entry.target.id)}`}>{entry.target.id}</a>
                ) : (
                  <span>
                    {entry.target.type} {entry.target.id}
                  </span>
                )}
              </td>
            ) : null}
            <td data-label="Actor">{actorText(entry)}</td>
            <td data-label="Fields">
              {entry.fields && entry.fields.length > 0 ? (
                entry.fields.join(', ')
              ) : (
                <span class="muted">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
