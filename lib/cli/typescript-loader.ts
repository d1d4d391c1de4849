/**
 * Stack files are TypeScript, compiled when they are loaded. From the repository's sources the
 * CLI already runs under tsx (this very file is .ts); the compiled package registers tsx's ESM
 * loader only when a stack file is loaded, so `pvecdk --version` and `help` pay nothing for it.
 * tsx rather than Node's own type stripping: one behaviour on Node 20, 22 and 24 (enums, its
 * error format for syntax errors, which the CLI turns into file:line).
 */
let registered = import.meta.url.endsWith('.ts');

export async function ensureTypeScriptLoader(): Promise<void> {
  if (registered) return;
  // Loaded before the loader exists, the library's modules skip its hooks (which run on another
  // thread and slow every load); a stack file's `import 'pvecdk'` then finds them loaded.
  await import('pvecdk');
  const { register } = await import('tsx/esm/api');
  register();
  registered = true;
}
