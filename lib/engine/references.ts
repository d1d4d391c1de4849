import { isPlanReference } from '../contract/plan-values.ts';

/** Shown where a value is only known once another resource exists. */
export const KNOWN_AFTER_APPLY = '(known after apply)';

/**
 * Replaces `{ref, attr}` objects by attribute values: `lookup(stack, id)`
 * gives the attributes of a resource (`stack` is the referring stack for a
 * local reference). Unknown values become KNOWN_AFTER_APPLY, or throw with
 * `strict` (at apply time every reference must be known).
 */
export function resolveReferences(
  value: unknown,
  stack: string,
  lookup: (stack: string, id: string) => Record<string, unknown> | undefined,
  strict: boolean,
): unknown {
  if (isPlanReference(value)) {
    const [refStack, id] = value.ref.includes(':')
      ? (value.ref.split(':') as [string, string])
      : [stack, value.ref];
    const found = lookup(refStack, id)?.[value.attr];
    if (found === undefined) {
      if (strict)
        throw new Error(
          `reference ${value.ref}.${value.attr} is not known yet (has ${refStack} been deployed?)`,
        );
      return KNOWN_AFTER_APPLY;
    }
    return found;
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, stack, lookup, strict));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveReferences(v, stack, lookup, strict)]),
    );
  }
  return value;
}
