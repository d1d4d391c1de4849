import { EngineError } from './engine-errors.ts';
import type { HandlerContext } from './handlers/handler.ts';
import { HANDLERS } from './handlers/index.ts';
import type { ResourceState, StateStore } from './state-store.ts';

/**
 * Deletes one resource the stack's state says it owns, and drops it from the
 * state once it is gone. Types that carry ownership marks (VMs) are deleted
 * only while the live object still carries this stack's: state can be stale,
 * and an id reused by someone else must survive it. Returns 'gone' when
 * there was nothing left to delete.
 */
export async function deleteOwnedResource(
  ctx: HandlerContext,
  state: StateStore,
  id: string,
  resource: ResourceState,
): Promise<'deleted' | 'gone'> {
  const handler = HANDLERS.get(resource.type);
  if (!handler)
    throw new EngineError(
      'ENGINE_NO_HANDLER',
      `${resource.path}: pvecdk cannot delete ${resource.type} resources yet`,
      'delete it by hand, then remove it from the state with a deploy of a plan that no longer has it',
    );
  const applied = { id, ...resource };
  handler.checkDeletion?.(applied, 'deleting it');
  // What it named before its identity changed, and a deploy stopped before deleting, goes too.
  await retireObjects(ctx, state, id, resource);
  if ((await handler.ownedForDeletion?.(ctx, applied)) === 'gone') {
    await state.remove(id);
    return 'gone';
  }
  await handler.delete(ctx, applied);
  await state.remove(id);
  return 'deleted';
}

/**
 * Deletes the objects a resource named before its identity changed (state's
 * `retiring`), each only while it is still this stack's, then records that
 * they are gone. The resource itself is left as it is.
 */
export async function retireObjects(
  ctx: HandlerContext,
  state: StateStore,
  id: string,
  resource: ResourceState,
): Promise<void> {
  if (!resource.retiring?.length) return;
  const handler = HANDLERS.get(resource.type);
  if (!handler)
    throw new EngineError(
      'ENGINE_NO_HANDLER',
      `${resource.path}: pvecdk cannot delete ${resource.type} resources yet`,
      'delete what it named before by hand',
    );
  for (const old of resource.retiring) {
    const applied = { id, type: resource.type, path: resource.path, ...old };
    handler.checkDeletion?.(applied, 'deleting what it named before');
    if ((await handler.ownedForDeletion?.(ctx, applied)) === 'gone') continue;
    await handler.delete(ctx, applied);
  }
  await state.retired(id);
}
