import type { z } from 'zod';

/** The keys the object schema at `path` takes, looking through arrays, optionals, unions and pipes. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown[] = [schema];
  for (const p of path) current = current.flatMap((s) => unwrap(s)).flatMap((s) => step(s, p));
  const keys = new Set<string>();
  for (const s of current.flatMap((x) => unwrap(x))) {
    const shape = defOf(s)?.shape as Record<string, unknown> | undefined;
    if (defOf(s)?.type === 'object' && shape) for (const k of Object.keys(shape)) keys.add(k);
  }
  return [...keys];
}

interface Def {
  readonly type?: string;
  readonly shape?: unknown;
  readonly element?: unknown;
  readonly innerType?: unknown;
  readonly options?: unknown[];
  readonly in?: unknown;
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** The schemas a wrapper stands for: optional, nullable, default, readonly, union members, a pipe's input. */
function unwrap(schema: unknown, depth = 0): unknown[] {
  const def = defOf(schema);
  if (!def || depth > 8) return [schema];
  if (
    def.innerType &&
    ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type ?? '')
  )
    return unwrap(def.innerType, depth + 1);
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => unwrap(o, depth + 1));
  if (def.type === 'pipe' && def.in) return unwrap(def.in, depth + 1);
  return [schema];
}

function step(schema: unknown, key: PropertyKey): unknown[] {
  const def = defOf(schema);
  if (def?.type === 'array' && typeof key === 'number') return [def.element];
  if (def?.type === 'object' && typeof key === 'string') {
    const child = (def.shape as Record<string, unknown> | undefined)?.[key];
    return child ? [child] : [];
  }
  return [];
}
