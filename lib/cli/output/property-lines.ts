import type { z } from 'zod';
import { userPropertyPath } from '../../contract/plan-keys.ts';
import { isPlanReference, isPlanSecret, SECRET_REFERENCE } from '../../contract/plan-values.ts';
import type { PropertyChange } from '../../engine/handlers/handler.ts';
import { isUnknown } from '../../engine/unknown.ts';
import { changedHunks, lineDiff } from './line-diff.ts';

/**
 * How one property change reads in a diff: named as the stack file writes
 * it, the Proxmox key beside it where that differs, values as JSON, secrets
 * by reference only, multi-line text as lines.
 */

const SENSITIVE = /pass(word|phrase)?|secret|token|private|psk/i;
/** Names of things, not secrets: `token_name`, `tokenId`. */
const IDENTIFIER = /(name|id)$/i;

/** Whether a property's value must never be shown, judged by its last name (`initialization.user_account.password`). */
export function isSensitiveName(name: string): boolean {
  const last =
    name
      .split(/[.[\]]/)
      .filter(Boolean)
      .pop() ?? name;
  return SENSITIVE.test(last) && !IDENTIFIER.test(last);
}

/** Where secrets are kept (`generated:vpn/ca.key`) names them, and is no secret itself. */
const namesSecrets = (value: unknown): boolean =>
  Array.isArray(value)
    ? value.length > 0 && value.every(namesSecrets)
    : typeof value === 'string' && SECRET_REFERENCE.test(value) && !value.includes('\n');

/** A value as a diff shows it: secret references by name only, sensitive keys never in clear. */
export function showValue(key: string, value: unknown): string {
  if (value === undefined || value === null) return '(unset)';
  if (isPlanSecret(value)) return `(secret ${value.secret})`;
  if (isPlanReference(value) || isUnknown(value)) return `(known after apply: ${value.ref}.${value.attr})`;
  if (isSensitiveName(key) && !namesSecrets(value)) return '(sensitive)';
  return json(value);
}

/** JSON on one line, spaced for reading: `["a", "b"]`, `{"type": "in"}`. */
function json(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(json).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${json(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value) ?? String(value);
}

const isText = (v: unknown): v is string | undefined =>
  v === undefined || v === null || typeof v === 'string';
const multiLine = (v: unknown): v is string => typeof v === 'string' && v.includes('\n');

/**
 * The lines of one change, unindented: `name (Proxmox: key): from → to`, or
 * `name: value` where it lists a planned property (`listing`), with
 * multi-line text under it (whole, or its changed lines with `-`/`+`).
 */
export function propertyLines(c: PropertyChange, schema: z.ZodType | undefined, listing: boolean): string[] {
  const name = userPropertyPath(c.key, schema);
  const label = `${name}${c.api ? ` (Proxmox: ${c.api})` : ''}`;
  const forced = c.forcesReplacement ? '  (forces replacement)' : '';
  // Masked when either name says secret (`password`, or Proxmox's `cipassword`).
  const maskedAs = [c.key, c.api].find((n) => n !== undefined && isSensitiveName(n));
  const sensitive = maskedAs !== undefined;
  const show = (v: unknown) => showValue(maskedAs ?? c.key, v);
  const text = !sensitive && isText(c.from) && isText(c.to) && (multiLine(c.from) || multiLine(c.to));
  if (!text)
    return [
      listing ? `${label}: ${show(c.to)}${forced}` : `${label}: ${show(c.from)} → ${show(c.to)}${forced}`,
    ];
  const lines = (v: string | null | undefined) => (v ? v.replace(/\n$/, '').split('\n') : []);
  if (listing) return [`${label}: |${forced}`, ...lines(c.to).map((l) => `  ${l}`)];
  const before = lines(c.from);
  const after = lines(c.to);
  const what = c.from == null ? '(unset) → text' : c.to == null ? 'text → (unset)' : 'text changed';
  return [`${label}: ${what}${forced}`, ...changedHunks(lineDiff(before, after)).map((l) => `  ${l}`)];
}
