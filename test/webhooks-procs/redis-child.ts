// One delivery worker on a shared redisStore, for the multi-process webhook test:
//   node --import tsx test/webhooks-procs/redis-child.ts <redisUrl> <namespace> <secret>
// Runs rounds until five in a row find nothing due, then prints how many attempts it made.
import { setTimeout as sleep } from 'node:timers/promises'
import { redisStore } from '../../packages/keywarden/src/stores/redis.js'
import { createWebhooks } from '../../packages/keywarden/src/webhooks/index.js'

const [url, namespace, secret] = process.argv.slice(2) as [string, string, string]
const store = redisStore({ url, namespace })
const webhooks = createWebhooks({ store, secret, allowPrivate: true, retryScheduleMs: [1], batchSize: 3 })

try {
  let made = 0
  for (let idle = 0; idle < 5; ) {
    const n = await webhooks.runOnce()
    made += n
    idle = n === 0 ? idle + 1 : 0
    if (n === 0) await sleep(30)
  }
  process.stdout.write(JSON.stringify({ made }))
} catch (error) {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`)
  process.exitCode = 1
} finally {
  await webhooks.close()
  await store.close()
}
