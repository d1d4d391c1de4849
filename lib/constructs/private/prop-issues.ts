import type { z } from 'zod';
import { closestKey } from '../../core/private/closest-name.ts';
import { shownAfterField, valueAt } from '../../core/private/shown-value.ts';

/** One field of a construct's props that fails its schema, in the user's terms. */
export interface PropIssue {
  /** The field as the user wrote it: `servers[0].memoryMiB`, or `(props)` for the whole object. */
  readonly field: string;
  /** `field = value: what is wrong` (the value left out when it may be secret). */
  readonly message: string;
  /**
   * What to write instead, when there is a likely fix (`did you mean memoryMiB?`).
   * @default - none
   */
  readonly hint?: string;
}

/**
 * The problems of `props` against a construct's zod schema, one per field: the
 * value the user gave is shown (unless the field may hold a secret), and a key
 * the schema does not know gets the closest known key as a suggestion.
 */
export function propIssues(
  schema: z.ZodType,
  props: unknown,
  issues: readonly z.core.$ZodIssue[],
): PropIssue[] {
  return issues.flatMap((issue): PropIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => unknownKey([...issue.path, key], key, known));
    }
    const field = fieldName(issue.path);
    const shown = shownAfterField(issue.path, valueAt(props, issue.path), issue.message);
    return [{ field, message: `${field}${shown}: ${issue.message}` }];
  });
}

function unknownKey(path: readonly PropertyKey[], key: string, known: readonly string[]): PropIssue {
  const field = fieldName(path);
  const close = closestKey(key, known);
  if (close)
    return { field, message: `${field}: no such prop; did you mean ${close}?`, hint: `write ${close}` };
  const list = known.length ? ` (known: ${[...known].sort().join(', ')})` : '';
  return { field, message: `${field}: no such prop${list}`, hint: `remove ${key}` };
}

/** `servers[0].memoryMiB` from zod's `['servers', 0, 'memoryMiB']`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(props)';
}

/** The keys the object schema at `path` takes, looking through arrays, optionals, unions and pipes. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
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
