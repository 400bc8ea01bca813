/**
 * One line for a log about an error: its message, else its name, else what it stringifies to.
 * Errors such as Hono's HTTPException carry an empty message; a bare prefix helps nobody.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    if (error.message.trim() !== '') return error.message
    const status = (error as { status?: unknown }).status
    return typeof status === 'number' ? `${error.name} (status ${status})` : error.name || 'Error'
  }
  const text = String(error)
  return text.trim() === '' ? `a thrown ${typeof error} with no description` : text
}
