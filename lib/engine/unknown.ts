/**
 * A value only known once another resource is applied: what a reference to
 * it resolves to while the engine computes changes. A typed marker, never a
 * display string, so no real value can be mistaken for it.
 */
const UNKNOWN = Symbol.for('pvecdk.Unknown');

export interface Unknown {
  readonly [UNKNOWN]: true;
  /** The reference it stands for: `acme:Vm` and `vm_id`. */
  readonly ref: string;
  readonly attr: string;
}

/** What diffs and reports show in its place. */
export const KNOWN_AFTER_APPLY = '(known after apply)';

export function unknownValue(ref: string, attr: string): Unknown {
  return Object.freeze({
    [UNKNOWN]: true as const,
    ref,
    attr,
    toJSON: () => KNOWN_AFTER_APPLY,
    toString: () => KNOWN_AFTER_APPLY,
  });
}

export function isUnknown(value: unknown): value is Unknown {
  return typeof value === 'object' && value !== null && UNKNOWN in value;
}

/** Whether any value in a property tree is still unknown. */
export function hasUnknowns(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(hasUnknowns);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasUnknowns);
  return false;
}

/** The dot paths (`clone.vm_id`, `disk[0].size`) of the unknown values in a property tree. */
export function unknownPaths(value: unknown, at = ''): string[] {
  if (isUnknown(value)) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${at}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, at ? `${at}.${k}` : k));
  return [];
}
