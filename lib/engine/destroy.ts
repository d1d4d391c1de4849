import type { PveApi } from '../pve/api/pve-api.ts';
import { deleteOwnedResource, deletionDestroysData, stagedNetworkNode } from './deletion.ts';
import { acquireDeployLock } from './deploy-lock.ts';
import { type DeployReport, failureFields, type ResourceReport } from './deploy-report.ts';
import { EngineError } from './engine-errors.ts';
import { reverseGraph, type WalkEvent, walk } from './graph-walker.ts';
import type { HandlerContext } from './handlers/index.ts';
import { refuseRetained, retainedDisks } from './handlers/vm-disk-lifecycle.ts';
import { StateStore } from './state-store.ts';

export interface DestroyOptions {
  readonly stacks: readonly string[];
  readonly api: PveApi;
  readonly stateDir: string;
  readonly remote: string;
  readonly concurrency: number;
  readonly allowDestroyData: boolean;
  readonly forceUnlock?: boolean;
  /** Lets handlers drop what they kept there (a deleted token's secret). */
  readonly secrets?: HandlerContext['secrets'];
  readonly onWarning?: (message: string) => void;
  readonly onPlan?: (stack: string, resources: readonly ResourceReport[]) => void | Promise<void>;
  readonly onEvent?: (stack: string, event: WalkEvent, resource: ResourceReport | undefined) => void;
}

/**
 * Deletes what the stacks' state says they own, dependants first (stacks in
 * the order given: dependants first too). A VM is deleted only if it still
 * carries the stack's ownership tags; every deleted resource leaves the
 * state as soon as it is gone, so an interrupted destroy resumes.
 */
export async function destroyStacks(options: DestroyOptions): Promise<DeployReport> {
  const all: ResourceReport[] = [];
  let ok = true;
  for (const stack of options.stacks) {
    const lock = acquireDeployLock(options.stateDir, options.remote, stack, `pvecdk destroy ${stack}`, {
      force: options.forceUnlock,
    });
    if (lock.tookOverFrom)
      options.onWarning?.(
        `took over the lock of stack ${stack} from '${lock.tookOverFrom.command}' (pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.hostname})`,
      );
    try {
      const state = StateStore.open(options.stateDir, options.remote, stack);
      const entries = Object.entries(state.state.resources).sort(([a], [b]) => (a < b ? -1 : 1));
      const reports = new Map<string, ResourceReport>(
        entries.map(([id, r]) => [
          id,
          {
            stack,
            id,
            path: r.path,
            type: r.type,
            action: 'delete',
            changes: [],
            destroysData: deletionDestroysData(r),
            status: 'planned',
          },
        ]),
      );
      // Before anything is deleted: a retained disk keeps its VM, and so what hangs on it.
      for (const [, r] of entries)
        if (r.type === 'proxmox_virtual_environment_vm')
          refuseRetained(r.path, retainedDisks(r.properties, undefined), `destroying ${stack}`);
      await options.onPlan?.(stack, [...reports.values()]);
      const lossy = [...reports.values()].filter((r) => r.destroysData);
      if (lossy.length && !options.allowDestroyData) {
        throw new EngineError(
          'ENGINE_DATA_LOSS',
          `destroying ${stack} deletes its VMs and their disks (${lossy.map((r) => r.path).join(', ')})`,
          'run again with --allow-destroy-data if that is intended',
        );
      }
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
          await deleteOwnedResource(ctx, state, n.id, n.payload);
        },
        {
          concurrency: options.concurrency,
          limits: { 'node:*': 4 },
          onEvent: (e) => options.onEvent?.(stack, e, reports.get(e.id)),
        },
      );
      // Bridge deletions are staged: reload each node they touched once.
      const touched = new Set(
        entries
          .filter(([id]) => result.outcomes.get(id)?.status === 'done')
          .map(([, r]) => stagedNetworkNode(r))
          .filter((n): n is string => n !== undefined),
      );
      for (const node of [...touched].sort()) await options.api.applyNetwork(node);
      for (const [id, o] of result.outcomes) {
        const report = reports.get(id)!;
        report.status = o.status;
        if (o.error) Object.assign(report, failureFields(o.error));
        if (o.status === 'skipped') report.error = `skipped: ${o.because} failed`;
      }
      all.push(...reports.values());
      if (result.counts.failed + result.counts.skipped + result.counts.cancelled > 0) {
        ok = false;
        break; // What comes next is depended on by this stack: keep it.
      }
    } finally {
      lock.release();
    }
  }
  return { stacks: options.stacks, resources: all, ok };
}
