import type { Plan, PlanResource } from '../../contract/plan.ts';
import { isPlanReference } from '../../contract/plan-values.ts';

/** Plan properties as the preflight reads them. */
export type Props = Record<string, unknown>;

export const obj = (v: unknown): Props =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Props) : {};
export const list = (v: unknown): Props[] => (Array.isArray(v) ? v.map(obj) : []);
export const text = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

/**
 * What plan values will be, as far as known before deploy: a `{ref, attr}`
 * becomes the referenced resource's property of that name (handlers return
 * their ids under the property names: vm_id, node_name, pool_id, user_id),
 * and a token's `id` is `user!name`. Attributes only known after apply
 * (MAC addresses, file volume ids) stay undefined.
 */
export function knownValues(plans: readonly Plan[]) {
  const byStack = new Map(plans.map((p) => [p.stack, p.resources]));
  const attribute = (resource: PlanResource, attr: string, stack: string, depth: number): unknown => {
    const p = resource.properties;
    if (resource.type === 'proxmox_virtual_environment_user_token' && attr === 'id') {
      const user = resolve(p.user_id, stack, depth + 1);
      return user !== undefined && p.token_name !== undefined
        ? `${String(user)}!${String(p.token_name)}`
        : undefined;
    }
    return resolve(p[attr], stack, depth + 1);
  };
  const resolve = (value: unknown, stack: string, depth = 0): unknown => {
    if (depth > 8) return undefined;
    if (isPlanReference(value)) {
      const [refStack, id] = value.ref.includes(':') ? value.ref.split(':') : [stack, value.ref];
      const target = byStack.get(refStack!)?.[id!];
      return target ? attribute(target, value.attr, refStack!, depth) : undefined;
    }
    if (Array.isArray(value)) return value.map((v) => resolve(v, stack, depth + 1));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, stack, depth + 1)]));
    return value;
  };
  return resolve;
}
