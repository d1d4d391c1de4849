// Module hook for running from a checkout: adds the `pvecdk-source` export condition, under which
// package.json maps `pvecdk`, `pvecdk/assertions` and `pvecdk/testing` to lib/*.ts instead of dist/.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'pvecdk-source'] });
}
