/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { Layout } from './layout.js'

/** The styled 404 of every page that is not /api (those answer problem+json). */
export const NotFoundPage: FC<{ what?: string }> = ({ what = 'This page does not exist.' }) => (
  <Layout title="Not found · keywarden">
    <main class="not-found">
      <section class="panel">
        <p class="code" aria-hidden="true">
          404
        </p>
        <h1>Not found</h1>
        <p>{what}</p>
        <p>
          <a href="/">Go to the overview</a> · <a href="/dashboard/keys">Keys</a>
        </p>
      </section>
    </main>
  </Layout>
)
