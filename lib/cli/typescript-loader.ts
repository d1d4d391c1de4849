/**
 * Stack files are TypeScript, compiled when they are loaded. From the repository's sources the
 * CLI already runs under tsx (this very file is .ts); the compiled package needs a way to load
 * them only when a stack file is loaded, so `pvecdk --version` and `help` pay nothing for it:
 *
 * - where Node strips types itself (22.18 and 23.6 on, by default), Node does it: no loader
 *   thread to start, which is most of what a cold synth spends beyond the library itself;
 * - elsewhere (Node 20), or with `PVECDK_TYPESCRIPT=tsx`, tsx's ESM loader, registered once.
 *
 * Node only erases types: enums, namespaces and constructor parameter properties are refused
 * there (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX), and an import of a type must say `import type`
 * (the project's tsconfig sets `verbatimModuleSyntax`, so tsc says so first). PVECDK_TYPESCRIPT=tsx
 * loads stack files that need more.
 */
let registered = import.meta.url.endsWith('.ts');

/** Which compiler loads stack files in this process. */
export type StackFileCompiler = 'node' | 'tsx';

export function stackFileCompiler(env: NodeJS.ProcessEnv = process.env): StackFileCompiler {
  if (env.PVECDK_TYPESCRIPT === 'tsx') return 'tsx';
  // 'strip' or 'transform' where Node loads .ts files itself; false (or absent, on Node 20) where not.
  const typescript = (process.features as { readonly typescript?: string | false }).typescript;
  return typescript ? 'node' : 'tsx';
}

export async function ensureTypeScriptLoader(): Promise<void> {
  if (registered) return;
  if (stackFileCompiler() === 'node') {
    registered = true;
    return;
  }
  // Loaded before the loader exists, the library's modules skip its hooks (which run on another
  // thread and slow every load); a stack file's `import 'pvecdk'` then finds them loaded.
  await import('pvecdk');
  const { register } = await import('tsx/esm/api');
  register();
  registered = true;
}
