import type { PlanResource } from '../contract/plan.ts';
import { EngineError } from './engine-errors.ts';
import type { DesiredResource, ResourceHandler } from './handlers/handler.ts';

/**
 * A plan resource, references resolved, as its handler takes it: checked
 * against the plan type's contract once, here, so handlers work typed. A
 * resolved value of the wrong kind (a reference that resolved to a string
 * where a number belongs) is refused with the key and the resource.
 */
export function desiredResource<P>(
  handler: ResourceHandler,
  id: string,
  resource: Pick<PlanResource, 'type' | 'path'>,
  resolved: unknown,
): DesiredResource<P> {
  const parsed = handler.contract.resolved.safeParse(resolved);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 8)
      .map((i) => `${i.path.map(String).join('.') || '(properties)'}: ${i.message}`);
    throw new EngineError(
      'ENGINE_INVALID_PROPERTIES',
      `${resource.path}: its properties do not match the ${resource.type} contract once references are resolved: ${problems.join('; ')}`,
      'run synth again with this version of pvecdk; if a reference resolved to something unexpected, check the resource it points to',
    );
  }
  return { id, type: resource.type, path: resource.path, props: parsed.data as P };
}
