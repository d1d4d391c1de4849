import type { Construct } from 'constructs';
import { z } from 'zod';
import { definePlanType } from '../../lib/contract/index.ts';
import { Resource } from '../../lib/core/index.ts';

/**
 * A plan type of the tests' own, taking any props: for tests of the core
 * machinery (trees, ids, references, aspects) that are not about a real type.
 */
export const testThing = definePlanType({
  type: 'test_thing',
  typeName: 'TestThing',
  properties: () => z.looseObject({}),
  attributes: { id: 'an id', vm_id: 'a VM id', pool_id: 'a pool id', name: 'a name' },
});

export function thing(scope: Construct, id: string, properties: Record<string, unknown> = {}): Resource {
  return new Resource(scope, id, { type: testThing.type, contract: testThing, properties });
}
