/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { CreateKeyForm } from './create-form.js'
import { KeysPanel, type KeysPanelProps } from './keys.js'

export interface KeyFilters {
  query: string
  ownerId: string
  state: '' | 'active' | 'revoked' | 'expired'
}

/** GET form: the search lives in the URL, so paging, reloads and the back button keep it. */
export const KeySearchForm: FC<{ filters: KeyFilters }> = ({ filters }) => (
  <form class="grid search" method="get" action="/dashboard/keys" aria-label="Key search">
    <label for="search-q">
      Search keys
      <input id="search-q" name="q" type="search" value={filters.query} placeholder="name, id or start" />
    </label>
    <label for="search-owner">
      Owned by
      <input id="search-owner" name="owner" value={filters.ownerId} placeholder="owner id" />
    </label>
    <label for="search-state">
      State
      <select id="search-state" name="state">
        {(['', 'active', 'revoked', 'expired'] as const).map((s) => (
          <option value={s} selected={filters.state === s}>
            {s === '' ? 'any' : s}
          </option>
        ))}
      </select>
    </label>
    <div class="buttons">
      <button type="submit">Search</button>
      {filters.query || filters.ownerId || filters.state ? <a href="/dashboard/keys">Clear</a> : null}
    </div>
  </form>
)

export const KeysPage: FC<KeysPanelProps & { filters: KeyFilters }> = (props) => (
  <>
    <section class="panel" aria-labelledby="create-title">
      <h1 id="create-title">Issued keys</h1>
      <p class="lead">Keys your API hands to its clients. Only a hash is stored; the key is shown once.</p>
      <CreateKeyForm csrfToken={props.csrfToken} />
    </section>
    <section class="panel" aria-labelledby="list-title">
      <h2 id="list-title">All keys</h2>
      <KeySearchForm filters={props.filters} />
      <KeysPanel
        keys={props.keys}
        sessionKeyId={props.sessionKeyId}
        paging={props.paging}
        shown={props.shown}
        now={props.now}
        csrfToken={props.csrfToken}
      />
    </section>
  </>
)
