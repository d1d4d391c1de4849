import { EngineError } from './engine-errors.ts';
import type { HandlerContext } from './handlers/handler.ts';
import { HANDLERS } from './handlers/index.ts';
import { refuseRetained, retainedDisks } from './handlers/vm-disk-lifecycle.ts';
import { ownershipTags } from './handlers/vm-handler.ts';
import type { ResourceState, StateStore } from './state-store.ts';

const VM = 'proxmox_virtual_environment_vm';
const BRIDGE = 'proxmox_virtual_environment_network_linux_bridge';

/** Deleting it loses data: a VM takes its disks with it. */
export function deletionDestroysData(resource: ResourceState): boolean {
  return resource.type === VM;
}

/** The node whose staged network a deleted bridge leaves to be applied, if it is one. */
export function stagedNetworkNode(resource: ResourceState): string | undefined {
  return resource.type === BRIDGE ? String(resource.attributes.node_name) : undefined;
}

/**
 * Deletes one resource the stack's state says it owns, and drops it from the
 * state once it is gone. A VM is deleted only while it still carries the
 * stack's ownership tags: state can be stale, and a VM id reused by someone
 * else must survive it. Returns 'gone' when there was nothing left to delete.
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
  if (resource.type === VM) {
    refuseRetained(resource.path, retainedDisks(resource.properties, undefined), 'deleting the VM');
    const vmid = Number(resource.attributes.vm_id);
    const vm = ctx.inventory.find(
      (x): x is Extract<typeof x, { type: 'qemu' | 'lxc' }> => x.type === 'qemu' && Number(x.vmid) === vmid,
    );
    if (!vm) {
      await state.remove(id);
      return 'gone';
    }
    const tags = String(vm.tags ?? '').split(/[;, ]/);
    if (!ownershipTags(ctx.stack).every((t) => tags.includes(t)))
      throw new EngineError(
        'ENGINE_NOT_OWNED',
        `${resource.path}: VM ${vmid} on ${vm.node} is not tagged as owned by stack ${ctx.stack} (tags: ${tags.filter(Boolean).join(';') || 'none'}); refusing to delete it`,
        `if it is yours, add the tags ${ownershipTags(ctx.stack).join(';')} to it and run again; otherwise it was never this stack's`,
      );
  }
  await handler.delete(ctx, resource.attributes);
  await state.remove(id);
  return 'deleted';
}
