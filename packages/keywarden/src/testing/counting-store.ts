/** Wraps any store and counts calls per method: `calls.getKeyByHash`, `calls.touchKeys`, … */
export function countingStore<S extends object>(
  store: S,
): S & { calls: Record<string, number>; resetCalls(): void } {
  const calls: Record<string, number> = {}
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'calls') return calls
      if (property === 'resetCalls')
        return () => {
          for (const name of Object.keys(calls)) delete calls[name]
        }
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      return (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1
        return value.apply(target, args)
      }
    },
  })
  return wrapped as S & { calls: Record<string, number>; resetCalls(): void }
}
