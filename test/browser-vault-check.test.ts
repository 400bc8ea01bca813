/** The provider cards' "Test key" button in chromium, against a local fake provider. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadServerConfig, type RunningServer, startServer } from '../packages/server/src/index.js'
import { artifactPath, browserSkip, launchChromium } from './browser-helpers.js'
import { type FakeProvider, startFakeProvider } from './support/fake-provider.js'

const skip = browserSkip()
const GOOD = 'sk-proj-GoodBrowser0123456789AbCdEf0123'
const BAD = 'sk-proj-WrongBrowser0123456789AbCdEf012'

const expectVisible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: 10_000 })

describe.skipIf(skip)('the "Test key" button in chromium', () => {
  let dir: string
  let fake: FakeProvider
  let server: RunningServer
  let browser: Browser
  let page: Page
  let adminKey = ''
  let log = ''
  const problems: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-browser-check-'))
    fake = await startFakeProvider()
    const config = loadServerConfig({
      PORT: '0',
      KEYWARDEN_DATABASE_URL: `sqlite:${join(dir, 'keywarden.db')}`,
      KEYWARDEN_SECRET_FILE: join(dir, 'secret'),
      KEYWARDEN_PROVIDERS: JSON.stringify({ openai: { baseUrl: fake.baseUrl } }),
    })
    server = await startServer(config, {
      stdout: (text) => {
        log += text
      },
      stderr: (text) => {
        log += text
      },
    })
    adminKey = /\b(kw_[0-9A-Za-z]+)\b/.exec(log)?.[1] ?? ''
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage()
    page.on('pageerror', (error) => problems.push(error.message))
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await fake?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('shows success for a key the provider accepts and failure for one it rejects', async () => {
    await page.goto(`${server.url}/`)
    await page.getByLabel('Admin key').fill(adminKey)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${server.url}/`)
    await page.goto(`${server.url}/dashboard/providers`)
    const card = page.locator('#provider-openai')
    await card.getByLabel('OpenAI API key').fill(GOOD)
    await card.getByRole('button', { name: 'Save' }).click()
    await expectVisible(card.getByRole('button', { name: 'Test OpenAI key' }))
    await card.getByRole('button', { name: 'Test OpenAI key' }).click()
    await expectVisible(card.locator('.check-ok', { hasText: 'OpenAI accepted the key.' }))
    await page.screenshot({ path: artifactPath('vault-check-ok.png'), fullPage: true, caret: 'initial' })

    await card.getByLabel('Replace OpenAI key').fill(BAD)
    await card.getByRole('button', { name: 'Replace' }).click()
    await expectVisible(page.locator('#provider-openai').getByText('sk-p…f012'))
    await page.locator('#provider-openai').getByRole('button', { name: 'Test OpenAI key' }).click()
    const failed = page.locator('#provider-openai .check-failed')
    await expectVisible(failed)
    expect(await failed.textContent()).toContain('401')
    expect(await page.content()).not.toContain(BAD)
    expect(log).not.toContain(GOOD)
    expect(log).not.toContain(BAD)
    expect(problems).toEqual([])
  })
})
