/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Child, FC } from 'hono/jsx'
import { fromNow, isoMinute } from '../format.js'

const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
})

export const Time: FC<{ date: Date | null; now: Date; never?: string }> = ({ date, now, never = '—' }) =>
  date ? (
    <time datetime={date.toISOString()} title={isoMinute(date)}>
      {fromNow(date, now)}
    </time>
  ) : (
    <span class="muted">{never}</span>
  )

export const Layout: FC<{ title: string; csrfToken?: string; children?: Child }> = ({
  title,
  csrfToken,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      {csrfToken ? <meta name="csrf-token" content={csrfToken} /> : null}
      <title>{title}</title>
      <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/assets/dashboard.css" />
      <script src="/assets/htmx.min.js" defer />
      <script src="/assets/dashboard.js" defer />
    </head>
    <body>{children}</body>
  </html>
)
