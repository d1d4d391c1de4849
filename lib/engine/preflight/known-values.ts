import type { Plan, PlanResource } from '../../contract/plan.ts';
import { isPlanReference } from '../../contract/plan-values.ts';
import { HANDLERS } from '../handlers/index.ts';

/**
 * What plan values will be, as far as known before deploy: a `{ref, attr}`
 * becomes the referenced resource's attribute as its handler can tell it
 * from the plan (by default the property of that name: handlers return their
 * ids under the property names, such as vm_id, node_name, pool_id, user_id).
 * Attributes only known after apply (MAC addresses, file volume ids) stay
 * undefined.
 */
export function knownValues(plans: readonly Plan[]) {
  const byStack = new Map(plans.map((p) => [p.stack, p.resources]));
  const attribute = (resource: PlanResource, attr: string, stack: string, depth: number): unknown => {
    const props = resolve(resource.properties, stack, depth + 1) as Record<string, unknown>;
    const handler = HANDLERS.get(resource.type);
    return handler?.predictAttribute ? handler.predictAttribute(props as never, attr) : props[attr];
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
