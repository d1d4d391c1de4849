import { XMLParser } from 'fast-xml-parser';
import { markerReference, PRIVATE_FIELDS } from './config-secrets.ts';

/**
 * config.xml entries compared by what they say, not how they are written:
 * pfSense rewrites the file with its own indentation, CDATA and field order
 * when anything is saved in its GUI, which changes nothing pvecdk cares
 * about. Key material is never part of a result: a field pvecdk filled from
 * a secret compares as its marker when it holds that secret's value.
 */

/** An entry as data: text, child elements by name (repeated ones as arrays), attributes as `@name`. */
export type EntryValue = string | { readonly [name: string]: EntryValue } | readonly EntryValue[];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** One rendered or found entry (a single element) as data. */
export function entryValue(xml: string): EntryValue {
  const tree = parser.parse(xml) as Record<string, EntryValue>;
  const [value] = Object.values(tree);
  return value ?? '';
}

/** What stands for a value pvecdk must not show. */
export const HIDDEN = '(hidden)';
/** What stands for a secret field that holds something else than the secret pvecdk put there. */
export const hiddenDiffering = (reference: string) => `(hidden: not the value of secret ${reference})`;

/**
 * How a secret is stored in a field, to compare with what the router holds;
 * undefined when this run cannot know (no secret store): the field then
 * counts as holding it.
 */
export type StoredSecret = (field: string, reference: string) => string | undefined;

const isObject = (v: EntryValue | undefined): v is { readonly [name: string]: EntryValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A found entry with its key material hidden: where the wanted entry has a
 * marker, the marker when the router holds that secret, else a placeholder
 * saying it differs; other private fields (`prv`, `tls`, ...) as `(hidden)`.
 */
export function hideSecrets(
  found: EntryValue,
  wanted: EntryValue | undefined,
  stored: StoredSecret,
  field = '',
): EntryValue {
  if (typeof found === 'string') {
    const ref = typeof wanted === 'string' ? markerReference(wanted) : undefined;
    if (ref !== undefined) {
      const expected = stored(field, ref);
      return expected === undefined || expected === found ? (wanted as string) : hiddenDiffering(ref);
    }
    return PRIVATE_FIELDS.has(field) && found !== '' ? HIDDEN : found;
  }
  if (Array.isArray(found)) {
    return found.map((item, i) =>
      hideSecrets(item, Array.isArray(wanted) ? wanted[i] : wanted, stored, field),
    );
  }
  const out: Record<string, EntryValue> = {};
  for (const [name, value] of Object.entries(found as Record<string, EntryValue>)) {
    out[name] = hideSecrets(value, isObject(wanted) ? wanted[name] : undefined, stored, name);
  }
  return out;
}

/** One difference: where (a dotted path inside the entry), what the router has and what is wanted. */
export interface EntryDifference {
  readonly path: string;
  readonly from: EntryValue | undefined;
  readonly to: EntryValue | undefined;
}

const join = (path: string, part: string) => (path ? `${path}.${part}` : part);

/** The differences between what the router has (secrets hidden) and what is wanted, field by field. */
export function entryDifferences(
  found: EntryValue | undefined,
  wanted: EntryValue | undefined,
  path = '',
): EntryDifference[] {
  if (found === undefined && wanted === undefined) return [];
  if (typeof found === 'string' && typeof wanted === 'string')
    return found === wanted ? [] : [{ path, from: found, to: wanted }];
  if (isObject(found) && isObject(wanted)) {
    const names = [...new Set([...Object.keys(found), ...Object.keys(wanted)])].sort();
    return names.flatMap((name) => entryDifferences(found[name], wanted[name], join(path, name)));
  }
  if (Array.isArray(found) && Array.isArray(wanted)) {
    const n = Math.max(found.length, wanted.length);
    return Array.from({ length: n }, (_, i) => entryDifferences(found[i], wanted[i], `${path}[${i}]`)).flat();
  }
  return [{ path, from: found, to: wanted }];
}
