import type { PveApi } from '../pve/api/pve-api.ts';
import { acquireDeployLock } from './deploy-lock.ts';
import { reverseGraph, walk } from './graph-walker.ts';
import { HANDLERS, type HandlerContext } from './handlers/index.ts';
import { ownershipTags } from './handlers/vm-handler.ts';
import { StateStore } from './state-store.ts';

export interface DestroyOptions {
  readonly stacks: readonly string[];
  readonly api: PveApi;
  readonly stateDir: string;
  readonly remote: string;
  readonly concurrency: number;
  readonly allowDestroyData: boolean;
}

export interface DestroyReport {
  readonly deleted: readonly string[];
  readonly failed: ReadonlyArray<{ readonly path: string; readonly error: string }>;
  readonly ok: boolean;
}

/**
 * Deletes what the stacks' state says they own, dependants first. A VM is
 * deleted only if it still carries the stack's ownership tag; every deleted
 * resource leaves the state as soon as it is gone.
 */
export async function destroyStacks(options: DestroyOptions): Promise<DestroyReport> {
  const deleted: string[] = [];
  const failed: Array<{ path: string; error: string }> = [];
  for (const stack of options.stacks) {
    const state = StateStore.open(options.stateDir, options.remote, stack);
    const entries = Object.entries(state.state.resources);
    if (entries.some(([, r]) => r.type === 'proxmox_virtual_environment_vm') && !options.allowDestroyData) {
      throw new Error(
        `destroying ${stack} deletes its VMs and their disks; run again with --allow-destroy-data if that is intended`,
      );
    }
    const lock = acquireDeployLock(options.stateDir, options.remote, stack, `pvecdk destroy ${stack}`);
    try {
      const ctx: HandlerContext = {
        api: options.api,
        inventory: await options.api.clusterResources(),
        stack,
      };
      const ids = new Set(entries.map(([id]) => id));
      const nodes = reverseGraph(
        entries.map(([id, r]) => ({ id, dependsOn: r.dependsOn.filter((d) => ids.has(d)), payload: r })),
      );
      const result = await walk(
        nodes,
        async (n) => {
          const r = n.payload;
          const handler = HANDLERS.get(r.type);
          if (!handler) throw new Error(`no handler to delete ${r.type}`);
          if (r.type === 'proxmox_virtual_environment_vm') {
            const vm = ctx.inventory.find(
              (x) => x.type === 'qemu' && Number(x.vmid) === Number(r.attributes.vm_id),
            );
            const tags = vm && 'tags' in vm ? String(vm.tags ?? '').split(';') : [];
            if (vm && !ownershipTags(stack).every((t) => tags.includes(t))) {
              throw new Error(
                `VM ${String(r.attributes.vm_id)} is not tagged as owned by ${stack}; refusing to delete it`,
              );
            }
            if (!vm) {
              await state.remove(n.id); // Already gone.
              return;
            }
          }
          await handler.delete(ctx, r.attributes);
          await state.remove(n.id);
          deleted.push(r.path);
        },
        { concurrency: options.concurrency, limits: { 'node:*': 4 } },
      );
      // Bridge deletions are staged: reload each node they touched once.
      const nodesTouched = new Set(
        entries
          .filter(
            ([id, r]) =>
              r.type === 'proxmox_virtual_environment_network_linux_bridge' &&
              result.outcomes.get(id)?.status === 'done',
          )
          .map(([, r]) => String(r.attributes.node_name)),
      );
      for (const node of nodesTouched) await options.api.applyNetwork(node);
      for (const [id, o] of result.outcomes) {
        if (o.status !== 'done')
          failed.push({
            path: nodes.find((n) => n.id === id)!.payload.path,
            error: o.error instanceof Error ? o.error.message : `skipped: ${o.because}`,
          });
      }
    } finally {
      lock.release();
    }
  }
  return { deleted, failed, ok: failed.length === 0 };
}
