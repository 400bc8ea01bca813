import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ConfigError } from 'keywarden'
import { DASHBOARD_SCRIPT } from './dashboard/client-script.js'
import { DASHBOARD_CSS } from './dashboard/styles.js'
import { PAGES_CSS } from './dashboard/styles-pages.js'

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="10" cy="16" r="7" fill="none" stroke="#2456d6" stroke-width="4"/><path d="M17 16h13M25 16v6M29 16v4" stroke="#2456d6" stroke-width="4"/></svg>'

export interface StaticAsset {
  type: string
  body: string
}

function loadHtmx(): string {
  try {
    const path = createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js')
    return readFileSync(path, 'utf8')
  } catch (cause) {
    throw new ConfigError('the dashboard needs the htmx.org package; install it with: npm install htmx.org', {
      cause,
    })
  }
}

let cache: Map<string, StaticAsset> | undefined

/** Files under /assets/, served from memory (htmx from the installed htmx.org package). */
export function staticAssets(): Map<string, StaticAsset> {
  cache ??= new Map([
    ['htmx.min.js', { type: 'text/javascript; charset=utf-8', body: loadHtmx() }],
    ['dashboard.js', { type: 'text/javascript; charset=utf-8', body: DASHBOARD_SCRIPT }],
    ['dashboard.css', { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS + PAGES_CSS }],
    ['favicon.svg', { type: 'image/svg+xml', body: FAVICON }],
  ])
  return cache
}
