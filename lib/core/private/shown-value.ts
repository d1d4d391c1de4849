import { SecretValue } from '../secret.ts';

/** Field names whose values are never shown: they may hold a password or a key. */
const SECRET_FIELD = /password|secret|token|passphrase|private|key$/i;
/** Longest value shown; longer ones are cut, so one pasted blob does not flood the report. */
const SHOWN_CHARS = 60;

/** The value at `path` in `root`, if there is one. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const p of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[p];
  }
  return value;
}

/** The value as the user would write it, or undefined when it is not shown (a secret, an object, nothing given). */
export function showValue(path: readonly PropertyKey[], value: unknown): string | undefined {
  if (path.some((p) => typeof p === 'string' && SECRET_FIELD.test(p))) return undefined;
  if (SecretValue.isSecretValue(value)) return undefined;
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value);
    return text.replace(/^"|"$/g, "'");
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return undefined;
}

/**
 * ` = value` to put after a field's name in a message about it, or nothing:
 * when the value is not shown, or the message quotes it already.
 */
export function shownAfterField(path: readonly PropertyKey[], value: unknown, message: string): string {
  if (typeof value === 'string' && value.length > 1 && message.includes(value)) return '';
  const shown = showValue(path, value);
  return shown === undefined ? '' : ` = ${shown}`;
}
