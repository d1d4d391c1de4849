import { isPlanReference, isPlanSecret } from '../contract/plan-values.ts';
import { isPlanPublicKey } from './guest/public-key.ts';
import type { PropertyChange } from './handlers/handler.ts';
import { isUnknown } from './unknown.ts';

/**
 * Plan properties as a reviewer reads them: every leaf by its plan path
 * (`cpu.cores`, `disk[0].size`), for what a create or a guest resource
 * brings, and for what changed since state recorded a plan.
 */

/** What a leaf is: a value, a secret or a reference (an Unknown becomes the reference it stands for). */
function leafValue(value: unknown): unknown {
  return isUnknown(value) ? { ref: value.ref, attr: value.attr } : value;
}

// A public key by secret reference is one value too: the engine puts its key line there.
const isLeafObject = (v: object): boolean =>
  isPlanReference(v) || isPlanSecret(v) || isPlanPublicKey(v) || isUnknown(v);

/** A list of plain values (tags, DNS servers) reads best whole. */
const isValueList = (value: readonly unknown[]) =>
  value.every((v) => v === null || typeof v !== 'object' || isLeafObject(v));

/**
 * Property leaves by path. Secret and reference objects are leaves, and so
 * are lists of plain values (`tags`), empty lists and empty blocks, so a
 * property set to `[]` is still seen.
 */
export function propertyLeaves(
  value: unknown,
  at = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (isValueList(value)) out.set(at, value.map(leafValue));
    else for (const [i, v] of value.entries()) propertyLeaves(v, `${at}[${i}]`, out);
  } else if (
    value !== null &&
    typeof value === 'object' &&
    !isLeafObject(value) &&
    Object.keys(value).length
  ) {
    for (const [k, v] of Object.entries(value)) propertyLeaves(v, at ? `${at}.${k}` : k, out);
  } else if (value !== undefined) out.set(at, leafValue(value));
  return out;
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every property a resource is planned with, sorted by path, each as a
 * change from nothing; `proxmoxKey` names the Proxmox key beside it.
 */
export function plannedProperties(
  properties: unknown,
  proxmoxKey?: (path: string) => string | undefined,
): PropertyChange[] {
  return [...propertyLeaves(properties)]
    .sort(([a], [b]) => byPath(a, b))
    .map(([key, to]) => {
      const api = proxmoxKey?.(key);
      return {
        key,
        ...(api !== undefined && api !== key ? { api } : {}),
        from: undefined,
        to,
        forcesReplacement: false,
      };
    });
}

/** The leaves that differ between a recorded plan's properties and the planned ones, sorted by path. */
export function recordedDifferences(
  recorded: Readonly<Record<string, unknown>>,
  planned: Readonly<Record<string, unknown>>,
): PropertyChange[] {
  const before = propertyLeaves(recorded);
  const after = propertyLeaves(planned);
  return [...new Set([...before.keys(), ...after.keys()])]
    .sort(byPath)
    .filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)))
    .map((key) => ({ key, from: before.get(key), to: after.get(key), forcesReplacement: false }));
}

/** The value at a plan path (`disk[0].size`); undefined where there is none. */
export function valueAtPath(properties: unknown, path: string): unknown {
  let v = properties;
  for (const part of path.split(/\.|\[(\d+)\]/).filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A value as a change shows it: an Unknown as the reference it stands for. */
export const asShown = leafValue;
