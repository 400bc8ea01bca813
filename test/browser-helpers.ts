/** Launches Debian's chromium through playwright-core (never a downloaded browser). */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = process.env.KEYWARDEN_CHROMIUM ?? '/usr/bin/chromium'
export const ARTIFACTS = join(process.cwd(), 'test-artifacts')

/**
 * Why browser tests cannot run, or false. Outside CI a missing browser skips them with a notice;
 * with CI=true it fails the run (.ci/run installs chromium with apt-get).
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false
  const reason = `no browser at ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`)
  console.warn(`browser tests skipped: ${reason}`)
  return reason
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true })
  return join(ARTIFACTS, name)
}
