import type { z } from 'zod';
import { SecretValue } from '../../core/secret.ts';

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

/** Field names whose values are never shown: they may hold a password or a key. */
const SECRET_FIELD = /password|secret|token|passphrase|private|key$/i;
/** Longest value shown; longer ones are cut, so one pasted blob does not flood the report. */
const SHOWN_CHARS = 60;

/**
 * The problems of `props` against a construct's zod schema, one per field: the
 * value the user gave is shown (unless the field may hold a secret), and a key
 * the schema does not know gets the closest known key as a suggestion.
 */
export function propIssues(schema: z.ZodType, props: unknown, issues: readonly z.core.$ZodIssue[]): PropIssue[] {
  return issues.flatMap((issue): PropIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => unknownKey([...issue.path, key], key, known));
    }
    const field = fieldName(issue.path);
    const value = valueAt(props, issue.path);
    const shown = showValue(issue.path, value);
    return [{ field, message: `${field}${shown === undefined ? '' : ` = ${shown}`}: ${issue.message}` }];
  });
}

function unknownKey(path: readonly PropertyKey[], key: string, known: readonly string[]): PropIssue {
  const field = fieldName(path);
  const close = closestKey(key, known);
  if (close) return { field, message: `${field}: no such prop; did you mean ${close}?`, hint: `write ${close}` };
  const list = known.length ? ` (known: ${[...known].sort().join(', ')})` : '';
  return { field, message: `${field}: no such prop${list}`, hint: `remove ${key}` };
}

/** `servers[0].memoryMiB` from zod's `['servers', 0, 'memoryMiB']`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(props)';
}

/**
 * The known key nearest to `key` by edit distance, when it is near enough to
 * be a slip (a third of the key's length at most, at least one edit), case
 * differences counting as half an edit so `memoryMib` finds `memoryMiB`.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key, name);
    if (!best || distance < best.distance || (distance === best.distance && name < best.name))
      best = { name, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.name : undefined;
}

/** Levenshtein distance where a change of letter case alone costs half. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const x = a[i - 1]!;
      const y = b[j - 1]!;
      const swap = x === y ? 0 : x.toLowerCase() === y.toLowerCase() ? 0.5 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + swap);
    }
    previous = current;
  }
  return previous[b.length]!;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const p of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[p];
  }
  return value;
}

/** The value as the user would write it, or undefined when it is not shown (a secret, an object). */
function showValue(path: readonly PropertyKey[], value: unknown): string | undefined {
  if (path.some((p) => typeof p === 'string' && SECRET_FIELD.test(p))) return undefined;
  if (SecretValue.isSecretValue(value)) return undefined;
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value);
    return text.replace(/^"|"$/g, "'");
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'undefined';
  return undefined;
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
  if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type ?? ''))
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
