import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { freshPlace } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { POSTGRES_URL, REDIS_URL, redisMajor, serviceSkip, uniqueName } from './support/services.js'

const skip = (await serviceSkip('postgres')) || (await serviceSkip('redis'))
const script = fileURLToPath(new URL('./cached-procs/instance.ts', import.meta.url))

/** A child instance answering one JSON line per command. */
function instance(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
  return {
    child,
    async next(): Promise<any> {
      const { value, done } = await lines.next()
      if (done) throw new Error('the instance exited early')
      return JSON.parse(value)
    },
    send(command: unknown) {
      child.stdin?.write(`${JSON.stringify(command)}\n`)
    },
  }
}

// Once with { url } (the installed ioredis), once on ioredis 6 clients (RESP3).
const clients = [{ via: 'url' }, { via: 'client', client: 'ioredis 6' }]
describe.skipIf(skip).each(clients)('two processes on one postgres + redis ($via $client)', ({ client }) => {
  const place = freshPlace('postgres', 'kwproc')
  const namespace = uniqueName('kwproc')
  const children: ChildProcess[] = []
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill()
    await place.cleanup()
    const admin = redisMajor('ioredis 5').client(REDIS_URL)
    await deleteNamespace(admin, namespace)
    await admin.quit()
  })

  it('a key revoked through the first is rejected by the second within 1 s', async () => {
    // Create the tables once, before two processes race to migrate.
    const setup = sqlStore({ url: POSTGRES_URL }, place.options)
    await setup.getKeyById('warm-up')
    await setup.close()

    const args = [
      POSTGRES_URL,
      JSON.stringify(place.options),
      REDIS_URL,
      namespace,
      ...(client ? [client] : []),
    ]
    const first = instance(args)
    const second = instance(args)
    children.push(first.child, second.child)
    expect(await first.next()).toEqual({ ready: true })
    expect(await second.next()).toEqual({ ready: true })

    first.send({ cmd: 'create' })
    const { key, id } = await first.next()
    second.send({ cmd: 'verify', key })
    expect(await second.next()).toMatchObject({ valid: true }) // now cached in the second's local tier

    second.send({ cmd: 'watch', key })
    expect(await second.next()).toEqual({ watching: true })
    first.send({ cmd: 'revoke', id })
    const revoked = await first.next()
    const seen = await second.next()
    const delay = seen.seenAt - revoked.startedAt
    console.log(
      `[cached] two processes: revoke took ${(revoked.doneAt - revoked.startedAt).toFixed(1)} ms in the first; ` +
        `the second rejected the key ${delay.toFixed(1)} ms after the revoke began (${seen.verifications} verifications meanwhile)`,
    )
    expect(seen.code).toBe('REVOKED')
    expect(seen.verifications).toBeGreaterThan(1) // it was accepting from its cache until then
    expect(delay).toBeLessThan(1000)

    first.send({ cmd: 'exit' })
    second.send({ cmd: 'exit' })
    await Promise.all([first, second].map(({ child }) => new Promise((r) => child.once('exit', r))))
  })
})
