export function missingExports(
  pkg: { exports?: Record<string, unknown>; bin?: Record<string, string> },
  root: string,
): string[]
