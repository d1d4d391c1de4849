import { RenderError } from './render-errors.ts';

/**
 * Secrets appear in rendered text only as markers such as
 * `{{secret:generated:vpn/ca.key}}`; the engine substitutes the value at
 * apply time, inside the guest, so rendered text can sit in plans and diffs.
 */
const MARKER = /\{\{secret:((?:env|file|generated):[^}\s]+)\}\}/g;

export function secretMarker(reference: string): string {
  if (!/^(env|file|generated):[^}\s]+$/.test(reference)) {
    throw new RenderError(
      'RENDER_INVALID_INPUT',
      `secretMarker: '${reference}' is not a secret reference (env:NAME, file:path or generated:name)`,
    );
  }
  return `{{secret:${reference}}}`;
}

/** The distinct secret references a rendered text holds, sorted. */
export function secretMarkersIn(text: string): string[] {
  return [...new Set([...text.matchAll(MARKER)].map((m) => m[1]!))].sort();
}

/** Fills the markers with values (at deploy); an unknown reference is an error, never left as is. */
export function fillSecretMarkers(text: string, lookup: (reference: string) => string | undefined): string {
  return text.replace(MARKER, (_m, ref: string) => {
    const value = lookup(ref);
    if (value === undefined)
      throw new RenderError(
        'RENDER_SECRET_MISSING',
        `no value for secret ${ref}`,
        'give the lookup a value for every marker the text holds (secretMarkersIn lists them)',
      );
    return value;
  });
}
