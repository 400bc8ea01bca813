import { createServer, connect as dial, type Socket } from 'node:net'

export interface FreezeProxy {
  port: number
  url: string
  /** From now on nothing passes either way: bytes are held (not lost), as on a partition. */
  freeze(): void
  /** Lets the held bytes through, in order, and everything after them. */
  thaw(): void
  /** Cuts every connection and stops listening. */
  close(): Promise<void>
}

/**
 * A TCP proxy on 127.0.0.1 in front of a local port that can be frozen: connections stay open
 * and writes succeed, but no byte is forwarded until it thaws. New connections made while frozen
 * are accepted and held too. Reads are paused, so the held bytes wait in the kernel's buffers.
 */
export async function startFreezeProxy(targetPort: number): Promise<FreezeProxy> {
  const sockets = new Set<Socket>()
  let frozen = false
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    if (frozen) socket.pause()
  }
  const server = createServer((client) => {
    const upstream = dial({ host: '127.0.0.1', port: targetPort })
    track(client)
    track(upstream)
    client.on('data', (chunk) => upstream.write(chunk))
    upstream.on('data', (chunk) => client.write(chunk))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port')
  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    freeze() {
      frozen = true
      for (const socket of sockets) socket.pause()
    },
    thaw() {
      frozen = false
      for (const socket of sockets) socket.resume()
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
