/** First 4 … last 4; a key of 8 characters or fewer is masked whole (its length not shown). */
export function maskKey(key: string): string {
  const chars = [...key]
  if (chars.length <= 8) return '********'
  return `${chars.slice(0, 4).join('')}…${chars.slice(-4).join('')}`
}
