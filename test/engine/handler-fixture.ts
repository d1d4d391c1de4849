import type { z } from 'zod';
import type { PlanTypeDefinition, PropertiesOf } from '../../lib/contract/index.ts';
import { desiredResource } from '../../lib/engine/desired-resource.ts';
import type { AppliedResource, DesiredResource, ResourceHandler } from '../../lib/engine/handlers/handler.ts';

/**
 * A plan resource as the engine hands it to its handler: properties checked
 * against the handler's contract (so a test cannot feed a handler what a plan
 * never could), references already resolved.
 */
export function desired<D extends PlanTypeDefinition>(
  handler: ResourceHandler<D>,
  path: string,
  properties: z.input<D['plan']> | Record<string, unknown>,
  id = path.replaceAll('/', ''),
): DesiredResource<PropertiesOf<D>> {
  return desiredResource(handler as ResourceHandler, id, { type: handler.contract.type, path }, properties);
}

/** What state records of an applied resource, for a handler's delete. */
export function applied(
  handler: ResourceHandler,
  path: string,
  attributes: Record<string, unknown>,
  properties: Record<string, unknown> = {},
): AppliedResource {
  return { id: path.replaceAll('/', ''), type: handler.contract.type, path, attributes, properties };
}
