import { PfsenseError } from './pfsense-errors.ts';

/**
 * Secrets in config.xml entries: rendered entries hold `{{secret:REF}}`
 * markers; the engine fills them only in the text it sends to the router
 * (on the write command's stdin), never in what it records or shows.
 * pfSense keeps certificates, keys, the OpenVPN static key and CRLs base64
 * encoded (`crt`, `prv`, `tls`, `shared_key`, a CRL's `text`), so a marker
 * that is the whole value of such a field is filled with the value base64
 * encoded; anywhere else with the value itself, XML-escaped.
 */

const MARKER = /\{\{secret:((?:env|file|generated):[^}\s]+)\}\}/g;
const WHOLE_MARKER = /^\{\{secret:((?:env|file|generated):[^}\s]+)\}\}$/;

/** Fields pfSense stores base64 encoded. */
export const BASE64_FIELDS: ReadonlySet<string> = new Set(['crt', 'prv', 'tls', 'shared_key', 'text']);

/** Fields whose value is key material: never shown, whatever pvecdk knows of them. */
export const PRIVATE_FIELDS: ReadonlySet<string> = new Set([
  'prv',
  'tls',
  'shared_key',
  'privatekey',
  'presharedkey',
  'bcrypt-hash',
  'password',
]);

/** The reference a value is a whole marker of, if it is one. */
export function markerReference(value: string): string | undefined {
  return WHOLE_MARKER.exec(value)?.[1];
}

/** The distinct secret references a text holds, sorted. */
export function markersIn(text: string): string[] {
  return [...new Set([...text.matchAll(MARKER)].map((m) => m[1]!))].sort();
}

/** A secret value as config.xml holds it in `field`. */
export function storedForm(field: string, value: string): string {
  return BASE64_FIELDS.has(field) ? Buffer.from(value, 'utf8').toString('base64') : value;
}

const escapeXml = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * `text` with every marker filled through `resolve`; also the values put
 * in, in every form they appear, for masking in errors. A reference that
 * does not resolve throws (what `resolve` throws).
 */
export function fillSecretMarkers(
  text: string,
  resolve: (reference: string) => string,
): { readonly text: string; readonly values: readonly string[] } {
  const values = new Set<string>();
  const cache = new Map<string, string>();
  const secretOf = (ref: string): string => {
    const known = cache.get(ref);
    if (known !== undefined) return known;
    const value = resolve(ref);
    cache.set(ref, value);
    return value;
  };
  // A marker that is an element's whole text: encoded as that field stores it.
  const byField = text.replace(
    /<([A-Za-z_][-A-Za-z0-9_.]*)>\s*\{\{secret:((?:env|file|generated):[^}\s]+)\}\}\s*<\/\1>/g,
    (_m, field: string, ref: string) => {
      const value = secretOf(ref);
      const stored = escapeXml(storedForm(field, value));
      values.add(value).add(stored);
      return `<${field}>${stored}</${field}>`;
    },
  );
  const filled = byField.replace(MARKER, (_m, ref: string) => {
    const value = secretOf(ref);
    const stored = escapeXml(value);
    values.add(value).add(stored);
    return stored;
  });
  for (const v of [...values]) for (const line of v.split('\n')) if (line.length >= 16) values.add(line);
  return { text: filled, values: [...values].filter((v) => v.length > 0) };
}

/** Refuses text that still holds a marker: it must never reach a router unfilled. */
export function requireNoMarkers(text: string, what: string): void {
  const left = markersIn(text);
  if (left.length) {
    throw new PfsenseError(
      'PFSENSE_VERIFY_FAILED',
      `${what} holds unfilled secret markers (${left.join(', ')})`,
      'this is a bug in pvecdk; please report it with the output of --debug',
    );
  }
}
