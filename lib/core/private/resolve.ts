import { Reference } from '../reference.ts';
import type { Resource } from '../resource.ts';
import { SecretValue } from '../secret.ts';
import type { Stack } from '../stack.ts';

/** What resolving one value found: the plan form, and what it depends on. */
export interface Resolution {
  /** The plan form of the value: JSON with `{ref, attr}` and `{secret}` objects. */
  readonly value: unknown;
  /** Resources of the same stack referenced by the value. */
  readonly localTargets: ReadonlySet<Resource>;
  /** Resources of other stacks referenced by the value. */
  readonly foreignTargets: ReadonlySet<Resource>;
  /** `where: what` for each value that has no plan form. */
  readonly problems: readonly string[];
}

/**
 * Turns a property tree with tokens into plain plan JSON: references become
 * `{ref, attr}` (prefixed with the stack for cross-stack ones), secrets become
 * `{secret}`. Anything else that JSON cannot hold faithfully is reported, not
 * silently dropped or stringified.
 */
export function resolveValue(value: unknown, stack: Stack): Resolution {
  const localTargets = new Set<Resource>();
  const foreignTargets = new Set<Resource>();
  const problems: string[] = [];

  const walk = (v: unknown, where: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push(`${where}: ${v} is not a finite number`);
      return v;
    }
    if (v === undefined) return undefined;
    if (Reference.isReference(v)) {
      const target = v.target;
      if (target.stack === stack) {
        localTargets.add(target);
        return { ref: target.logicalId, attr: v.attr };
      }
      foreignTargets.add(target);
      return { ref: `${target.stack.stackName}:${target.logicalId}`, attr: v.attr };
    }
    if (SecretValue.isSecretValue(v)) return v.toJSON();
    if (Array.isArray(v)) {
      return v.map((item, i) => {
        if (item === undefined) problems.push(`${where}[${i}]: undefined inside a list`);
        return walk(item, `${where}[${i}]`);
      });
    }
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        problems.push(`${where}: a ${proto?.constructor?.name ?? 'class'} instance has no plan form`);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        const r = walk(item, where ? `${where}.${k}` : k);
        if (r !== undefined) out[k] = r;
      }
      return out;
    }
    problems.push(`${where}: a ${typeof v} has no plan form`);
    return undefined;
  };

  return { value: walk(value, ''), localTargets, foreignTargets, problems };
}
