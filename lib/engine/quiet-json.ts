import { readFileSync } from 'node:fs';

/**
 * Reading JSON files that hold secrets (the secret store) or what they protect
 * (state): what is wrong is said without quoting the file. Node's parse errors
 * quote the text around the mistake, which may be part of a secret.
 */

export type QuietJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

/** The file's JSON value, or why it has none; undefined when the file does not exist. */
export function readJsonQuietly(file: string): QuietJson | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { ok: false, reason: `cannot be read (${code ?? 'unknown error'})` };
  }
  if (!text.trim()) return { ok: false, reason: 'is empty' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    // Only the position is kept from the message, as a line and column.
    const position = /at position (\d+)/.exec((e as Error).message);
    return {
      ok: false,
      reason: `is not valid JSON${position ? ` (${lineAndColumn(text, Number(position[1]))})` : ''}`,
    };
  }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** What kind of JSON value `v` is, in words: never the value itself. */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** The value at `path` inside `root`, for naming the kind found there. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
