import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadServerConfig, type RunningServer, startServer } from '../packages/server/src/index.js'
import { artifactPath, browserSkip, launchChromium } from './browser-helpers.js'

const skip = browserSkip()

const OPENAI_KEY = 'sk-proj-Br0wserTest0000000000000000000Ab12'
const OPENAI_REPLACEMENT = 'sk-proj-Br0wserTestReplaced000000000000Cd34'

describe.skipIf(skip)('dashboard in chromium', () => {
  let dir: string
  let server: RunningServer
  let adminKey: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let issuedKey: string
  const problems: string[] = []

  const demo = (key: string) => fetch(`${server.url}/api/demo`, { headers: { 'x-api-key': key } })
  // caret 'initial': hiding the caret would make Playwright inject a <style> that the CSP blocks.
  const shot = (name: string) =>
    page.screenshot({ path: artifactPath(`dashboard-${name}.png`), fullPage: true, caret: 'initial' })
  const toast = (text: string | RegExp) => page.locator('#toasts .toast', { hasText: text })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-browser-'))
    const config = loadServerConfig({
      PORT: '0',
      KEYWARDEN_DATABASE_URL: `sqlite:${join(dir, 'keywarden.db')}`,
      KEYWARDEN_SECRET_FILE: join(dir, 'secret'),
    })
    let out = ''
    server = await startServer(config, { stdout: (text) => (out += text), stderr: () => {} })
    adminKey = /\b(kw_[0-9A-Za-z]+)\b/.exec(out)?.[1] ?? ''
    expect(adminKey).not.toBe('')
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
    page = await context.newPage()
    // A CSP violation or a script error shows up here; the dashboard must produce none.
    page.on('console', (message) => {
      if (message.type() === 'error' && page.url().startsWith(server.url))
        problems.push(`${message.text()} at ${message.location().url}`)
    })
    page.on('pageerror', (error) => problems.push(error.message))
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('signs in with the admin key, from the keyboard', async () => {
    await page.goto(`${server.url}/`)
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.getByLabel('Admin key').focus()
    await page.keyboard.type(adminKey)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${server.url}/`)
    await expectVisible(page.getByRole('heading', { name: 'Overview' }))
    await page.getByRole('link', { name: 'Keys', exact: true }).click()
    await expectVisible(page.getByRole('heading', { name: 'Issued keys' }))
    const cookies = await context.cookies(server.url)
    const session = cookies.find((c) => c.name === 'kw_session')
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    expect(session?.value).not.toContain(adminKey)
    expect(await page.content()).not.toContain(adminKey)
  })

  it('creates a key, shows it once in the copy field and copies it', async () => {
    await page.getByLabel('Name').fill('browser client')
    await page.getByLabel(/^Owner/).fill('team-web')
    await page.getByLabel(/^Scopes/).fill('demo:read reports:read')
    await page.getByLabel('Expires').selectOption('30d')
    await page.getByRole('button', { name: 'Create key' }).click()
    const field = page.getByLabel('New API key')
    await expectVisible(field)
    issuedKey = await field.inputValue()
    expect(issuedKey).toMatch(/^kw_[0-9A-Za-z]{40,}$/)
    await expectVisible(toast('Key "browser client" created.'))
    await page.getByRole('button', { name: 'Copy', exact: true }).click()
    await expectVisible(page.getByRole('button', { name: 'Copied' }))
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(issuedKey)
    const row = page.locator('tr', { hasText: 'browser client' })
    await expectVisible(row.getByText('team-web'))
    expect(await row.locator('.state').textContent()).toBe('active')
    // The form was reset for the next key.
    expect(await page.getByLabel('Name').inputValue()).toBe('')
    await shot('created')

    // After a reload the key is gone from the page: only its start remains.
    await page.reload()
    expect(await page.content()).not.toContain(issuedKey)
    await expectVisible(page.locator('tr', { hasText: 'browser client' }).getByText(issuedKey.slice(0, 7)))
  })

  it('opens the demo route with that key', async () => {
    const res = await demo(issuedKey)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ key: { name: 'browser client', ownerId: 'team-web' } })
  })

  it('revokes the key after confirmation, and the demo route rejects it', async () => {
    const row = page.locator('tr', { hasText: 'browser client' })
    // Dismissing the confirmation changes nothing.
    page.once('dialog', (dialog) => void dialog.dismiss())
    await row.getByRole('button', { name: 'Revoke key browser client' }).click()
    expect((await demo(issuedKey)).status).toBe(200)

    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain('Revoke "browser client"')
      void dialog.accept()
    })
    await row.getByRole('button', { name: 'Revoke key browser client' }).click()
    await expectVisible(toast('Key "browser client" revoked.'))
    await expectVisible(page.locator('tr', { hasText: 'browser client' }).locator('.state-revoked'))
    const res = await demo(issuedKey)
    expect(res.status).toBe(401)
    await shot('revoked')
  })

  it('adds, replaces and deletes a provider key, with inline validation, masks and toasts', async () => {
    await page.getByRole('link', { name: 'Provider keys' }).click()
    const card = page.locator('#provider-openai')
    const input = card.getByLabel('OpenAI API key')
    await input.fill('sk-ant-this-is-anthropic-not-openai-000000')
    await expectVisible(card.getByText(/This is not a OpenAI key/))
    expect(await input.getAttribute('aria-invalid')).toBe('true')
    await card.getByRole('button', { name: 'Save' }).click()
    // The browser refuses to submit an invalid key: nothing saved, no request.
    expect(await card.locator('.badge').textContent()).toBe('not set')

    await input.fill(OPENAI_KEY)
    await expectVisible(card.getByText('Looks valid.'))
    expect(await input.getAttribute('aria-invalid')).toBe('false')
    await card.getByRole('button', { name: 'Save' }).click()
    await expectVisible(toast('OpenAI key saved.'))
    await expectVisible(page.locator('#provider-openai').getByText('sk-p…Ab12'))
    expect(await page.content()).not.toContain(OPENAI_KEY)

    // A second key for the screenshot.
    await page
      .locator('#provider-anthropic')
      .getByLabel('Anthropic API key')
      .fill('sk-ant-api03-Scr33nsh0t000000000000000Ef56')
    await page.locator('#provider-anthropic').getByRole('button', { name: 'Save' }).click()
    await expectVisible(toast('Anthropic key saved.'))

    await page.locator('#provider-openai').getByLabel('Replace OpenAI key').fill(OPENAI_REPLACEMENT)
    await page.locator('#provider-openai').getByRole('button', { name: 'Replace' }).click()
    await expectVisible(toast('OpenAI key replaced.'))
    await expectVisible(page.locator('#provider-openai').getByText('sk-p…Cd34'))
    const html = await page.content()
    expect(html).not.toContain(OPENAI_KEY)
    expect(html).not.toContain(OPENAI_REPLACEMENT)
    await shot('providers')

    page.once('dialog', (dialog) => void dialog.accept())
    await page.locator('#provider-openai').getByRole('button', { name: 'Delete OpenAI key' }).click()
    await expectVisible(toast('OpenAI key deleted.'))
    await expectVisible(page.locator('#provider-openai .badge', { hasText: 'not set' }))
  })

  it('shows errors as toasts', async () => {
    await page.goto(`${server.url}/dashboard/keys`)
    await page.getByLabel('Name').fill('x'.repeat(300))
    // maxlength stops typing in the browser; a forced value reaches the server and fails there.
    await page.getByLabel('Name').evaluate((el) => {
      ;(el as HTMLInputElement).removeAttribute('maxlength')
      ;(el as HTMLInputElement).value = 'y'.repeat(300)
    })
    await page.getByRole('button', { name: 'Create key' }).click()
    await expectVisible(page.locator('#toasts .toast-error'))
  })

  it('rejects a forged form post from another origin and a same-origin post without the token', async () => {
    const before = await keyNames()
    const forger = await serveForgery(server.url)
    try {
      const response = page.waitForResponse((r) => r.url() === `${server.url}/dashboard/keys`)
      await page.goto(forger.url)
      expect((await response).status()).toBe(403)
      await shot('forged')
    } finally {
      await new Promise((resolve) => forger.server.close(resolve))
    }
    await page.goto(`${server.url}/`)
    const status = await page.evaluate(async () => {
      const body = new URLSearchParams({ name: 'forged-fetch', expiry: 'never' })
      const res = await fetch('/dashboard/keys', { method: 'POST', body })
      return res.status
    })
    expect(status).toBe(403)
    const after = await keyNames()
    expect(after).toEqual(before)
    expect(after).not.toContain('forged')
  })

  it('renders the keys page without CSP violations or script errors', async () => {
    await page.goto(`${server.url}/dashboard/keys`)
    for (const [name, owner, scopes] of [
      ['billing service', 'team-billing', 'invoices:read invoices:write'],
      ['mobile app', 'team-mobile', 'users:read'],
    ] as const) {
      await page.getByLabel('Name').fill(name)
      await page.getByLabel(/^Owner/).fill(owner)
      await page.getByLabel(/^Scopes/).fill(scopes)
      await page.getByRole('button', { name: 'Create key' }).click()
      await expectVisible(toast(`Key "${name}" created.`))
    }
    const close = page.locator('#toasts .toast-close')
    while ((await close.count()) > 0) await close.first().click()
    await page.screenshot({ path: artifactPath('dashboard-keys.png'), caret: 'initial' })
    // The refused requests the tests made on purpose (403, 422) are the only expected errors.
    const expected = /status of (403|422)|Response Status Error Code 422/
    expect(problems.filter((p) => !expected.test(p))).toEqual([])
  })

  async function keyNames(): Promise<string[]> {
    const res = await fetch(`${server.url}/api/keys?limit=100`, { headers: { 'x-api-key': adminKey } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { items: { name: string }[] }
    return body.items.map((k) => k.name).sort()
  }
})

async function expectVisible(locator: import('playwright-core').Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: 10_000 })
}

/** A page on another port (another origin, same site) that posts a form to the dashboard. */
async function serveForgery(target: string): Promise<{ server: Server; url: string }> {
  const html = `<!doctype html><html><body>
<form id="f" method="post" action="${target}/dashboard/keys">
<input name="name" value="forged"><input name="expiry" value="never"></form>
<script>document.getElementById('f').submit()</script></body></html>`
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}
