// A module hook for running from a clone: adds the 'keywarden-source' export condition to every resolution.
export async function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, 'keywarden-source'] })
}
