/**
 * Stack files are TypeScript, compiled when they are loaded. From the repository's sources the
 * CLI already runs under tsx (this very file is .ts); the compiled package registers a loader
 * only when a stack file is loaded, so `pvecdk --version` and `help` pay nothing for it.
 *
 * tsx by default, on every Node: one behaviour on Node 20, 22 and 24 (enums, namespaces and
 * parameter properties load; imports of types need no `import type`), and, measured on Node
 * 24.21 with `npm run bench -- cold-start`, a faster cold synth than Node's own type stripping
 * (whose WebAssembly compiler costs more to start than tsx's loader thread).
 * `PVECDK_TYPESCRIPT=node` loads stack files with Node's type stripping instead, where Node has
 * it (22.18 and 23.6 on); elsewhere the setting is ignored and tsx loads them.
 */
let registered = import.meta.url.endsWith('.ts');

/** Which compiler loads stack files in this process. */
export type StackFileCompiler = 'node' | 'tsx';

export function stackFileCompiler(env: NodeJS.ProcessEnv = process.env): StackFileCompiler {
  if (env.PVECDK_TYPESCRIPT !== 'node') return 'tsx';
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
