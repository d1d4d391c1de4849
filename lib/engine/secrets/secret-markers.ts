/**
 * The engine's reading of the `{{secret:<reference>}}` markers rendered text
 * carries (lib/render/secret-marker.ts writes them; the engine may not import
 * render): values are filled in only where text leaves for a guest or for the
 * operator, never into plans, state or logs.
 */
const MARKER = /\{\{secret:((?:env|file|generated):[^}\s]+)\}\}/g;

/** The distinct secret references a text holds, sorted. */
export function secretReferencesIn(text: string): string[] {
  return [...new Set([...text.matchAll(MARKER)].map((m) => m[1]!))].sort();
}

/** Fills every marker from `lookup`, which throws for a reference it has no value for. */
export function fillSecrets(text: string, lookup: (reference: string) => string): string {
  return text.replace(MARKER, (_m, reference: string) => lookup(reference));
}
