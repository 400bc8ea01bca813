import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'

const OPENAI = 'sk-proj-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'
type Send = (path: string, init?: RequestInit) => Promise<Response>

async function exercise(send: Send, demoKey: string) {
  expect((await send('/api/users')).status).toBe(401)
  const users = await send('/api/users', { headers: { 'x-api-key': demoKey } })
  expect(users.status).toBe(200)
  expect(await users.json()).toEqual({ users: [], calledBy: 'demo' })

  expect((await send('/keys')).status).toBe(401)
  const created = await send('/keys', {
    method: 'POST',
    headers: { 'x-user-id': 'ada', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'laptop', scopes: ['users:read'] }),
  })
  expect(created.status).toBe(201)
  const { key, record } = await created.json()
  expect(record.ownerId).toBe('ada')
  expect((await send('/api/users', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)

  const before = await send('/chat', { method: 'POST', headers: { 'x-user-id': 'ada' } })
  expect(before.status).toBe(428)
  const put = await send('/me/provider-keys/openai', {
    method: 'PUT',
    headers: { 'x-user-id': 'ada', 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey: OPENAI }),
  })
  expect(put.status).toBe(200)
  expect(await put.text()).not.toContain(OPENAI)
  const chat = await send('/chat', { method: 'POST', headers: { 'x-user-id': 'ada' } })
  expect(chat.status).toBe(200)
  expect(await chat.json()).toEqual({ reply: 'would call OpenAI with sk-p…' })
}

describe('the HTTP examples run and match docs/http.md', () => {
  const docs = readFileSync(new URL('../docs/http.md', import.meta.url), 'utf8')

  it.each(['hono', 'express', 'fastify'])('examples/http-%s.ts is shown verbatim in docs/http.md', (name) => {
    const source = readFileSync(new URL(`../examples/http-${name}.ts`, import.meta.url), 'utf8')
    expect(docs).toContain(`\`\`\`ts\n${source}\`\`\``)
  })

  it('hono', async () => {
    const { app, demo } = await import('../examples/http-hono.js')
    await exercise((path, init) => Promise.resolve(app.request(path, init)), demo.key)
  })

  it('express', async () => {
    const { app, demo } = await import('../examples/http-express.js')
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    try {
      await exercise((path, init) => fetch(`http://127.0.0.1:${port}${path}`, init), demo.key)
    } finally {
      server.close()
    }
  })

  it('fastify', async () => {
    const { app, demo } = await import('../examples/http-fastify.js')
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    try {
      await exercise((path, init) => fetch(`http://127.0.0.1:${port}${path}`, init), demo.key)
    } finally {
      await app.close()
    }
  })
})
