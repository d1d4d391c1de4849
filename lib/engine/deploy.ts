import type { Plan } from '../core/plan.ts';
import type { PveApi } from '../pve/api/pve-api.ts';
import { acquireDeployLock } from './deploy-lock.ts';
import { type WalkEvent, type WalkNode, walk } from './graph-walker.ts';
import { applyStagedNetwork } from './handlers/bridge-handler.ts';
import { type DesiredResource, HANDLERS, type HandlerContext, type PlannedChange } from './handlers/index.ts';
import { deploymentOrder, type LoadedAssembly } from './plan-loader.ts';
import { KNOWN_AFTER_APPLY, resolveReferences } from './references.ts';
import { StateStore } from './state-store.ts';

export interface DeployOptions {
  readonly assembly: LoadedAssembly;
  /** Stacks to deploy; the stacks they depend on deploy first. */
  readonly targets: readonly string[];
  readonly api: PveApi;
  readonly stateDir: string;
  readonly remote: string;
  readonly concurrency: number;
  /** Plan only: read and diff, write nothing. */
  readonly dryRun?: boolean;
  readonly allowDestroyData?: boolean;
  readonly onEvent?: (stack: string, event: WalkEvent, resource: ResourceReport | undefined) => void;
}

export interface ResourceReport {
  readonly stack: string;
  readonly id: string;
  readonly path: string;
  readonly type: string;
  readonly action: PlannedChange['action'] | 'pending';
  readonly changes: PlannedChange['changes'];
  readonly destroysData: boolean;
  status: 'planned' | 'done' | 'failed' | 'skipped' | 'cancelled' | 'unchanged' | 'pending';
  error?: string;
  /** Why a resource is not handled yet (guest types before their handlers exist). */
  readonly note?: string;
}

export interface DeployReport {
  readonly stacks: readonly string[];
  readonly resources: readonly ResourceReport[];
  readonly ok: boolean;
}

/** Refused before any write: destroying data needs --allow-destroy-data. */
export class DataLossRefused extends Error {}

/**
 * Deploys stacks in dependency order: for each, reads live state (one bulk
 * inventory plus what handlers need), plans every resource, then walks the
 * changes with their dependencies, recording each completed action in state.
 * Bridge edits of a node are applied once, before anything that needs them.
 */
export async function deployStacks(options: DeployOptions): Promise<DeployReport> {
  const order = deploymentOrder(options.assembly, options.targets);
  const reports: ResourceReport[] = [];
  const states = new Map<string, StateStore>();
  let ok = true;
  for (const stack of order) {
    const plan = options.assembly.plans.get(stack)!;
    const state = StateStore.open(options.stateDir, options.remote, stack);
    states.set(stack, state);
    const lock = options.dryRun
      ? undefined
      : acquireDeployLock(options.stateDir, options.remote, stack, `pvecdk deploy ${stack}`);
    try {
      const result = await deployStack(plan, state, states, options);
      reports.push(...result.reports);
      if (!result.ok) {
        ok = false;
        break; // Stacks after a failed one depend on it or may: stop here.
      }
    } finally {
      lock?.release();
    }
  }
  return { stacks: order, resources: reports, ok };
}

async function deployStack(
  plan: Plan,
  state: StateStore,
  states: ReadonlyMap<string, StateStore>,
  options: DeployOptions,
): Promise<{ ok: boolean; reports: ResourceReport[] }> {
  const stack = plan.stack;
  const lookup = (s: string, id: string) =>
    (s === stack ? state : states.get(s))?.state.resources[id]?.attributes;
  const ctx: HandlerContext = { api: options.api, inventory: await options.api.clusterResources(), stack };
  const desired = (id: string, strict: boolean): DesiredResource => {
    const r = plan.resources[id]!;
    return {
      id,
      type: r.type,
      path: r.path,
      properties: resolveReferences(r.properties, stack, lookup, strict) as Record<string, unknown>,
    };
  };

  const reports = new Map<string, ResourceReport>();
  const changes = new Map<string, PlannedChange>();
  for (const [id, r] of Object.entries(plan.resources).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const handler = HANDLERS.get(r.type);
    if (!handler) {
      reports.set(id, {
        stack,
        id,
        path: r.path,
        type: r.type,
        action: 'pending',
        changes: [],
        destroysData: false,
        status: 'pending',
        note: r.type.startsWith('pvecdk_')
          ? 'guest resource: applied over SSH once guest handlers exist'
          : 'no handler for this type yet',
      });
      continue;
    }
    const resource = desired(id, false);
    // Something it refers to does not exist yet, so neither can it: plan a create without reading.
    const change = JSON.stringify(resource.properties).includes(KNOWN_AFTER_APPLY)
      ? ({ action: 'create', changes: [], destroysData: false } as const)
      : handler.plan(resource, await handler.read(ctx, resource));
    changes.set(id, change);
    reports.set(id, {
      stack,
      id,
      path: r.path,
      type: r.type,
      action: change.action,
      changes: change.changes,
      destroysData: change.destroysData,
      status: change.action === 'no-op' ? 'unchanged' : 'planned',
    });
  }
  const all = [...reports.values()];
  if (options.dryRun) return { ok: true, reports: all };
  const lossy = all.filter((r) => r.destroysData);
  if (lossy.length && !options.allowDestroyData) {
    throw new DataLossRefused(
      `${lossy.map((r) => `${r.path} (${r.action})`).join(', ')} would destroy data; run again with --allow-destroy-data if that is intended`,
    );
  }

  // The walk: changed resources, plus one network apply per node after its bridges.
  const changed = new Set([...changes].filter(([, c]) => c.action !== 'no-op').map(([id]) => id));
  const bridgesByNode = new Map<string, string[]>();
  for (const id of changed) {
    const r = plan.resources[id]!;
    if (r.type === 'proxmox_virtual_environment_network_linux_bridge') {
      const node = String(r.properties.node_name);
      bridgesByNode.set(node, [...(bridgesByNode.get(node) ?? []), id]);
    }
  }
  const applyNodeOf = new Map<string, string>();
  for (const [node, ids] of bridgesByNode) for (const id of ids) applyNodeOf.set(id, `network-apply:${node}`);
  const previousNetwork = new Map<string, Array<Record<string, unknown>>>();
  for (const node of bridgesByNode.keys())
    previousNetwork.set(node, (await options.api.network(node)) as unknown as Array<Record<string, unknown>>);

  type Payload = { kind: 'resource'; id: string } | { kind: 'network'; node: string };
  const nodes: WalkNode<Payload>[] = [];
  for (const id of changed) {
    const deps = plan.resources[id]!.dependsOn.filter((d) => changed.has(d)).map(
      (d) => applyNodeOf.get(d) ?? d,
    );
    nodes.push({
      id,
      dependsOn: [...new Set(deps)],
      locks: HANDLERS.get(plan.resources[id]!.type)!.locks(desired(id, false)),
      payload: { kind: 'resource', id },
    });
  }
  for (const [node, ids] of bridgesByNode)
    nodes.push({ id: `network-apply:${node}`, dependsOn: ids, payload: { kind: 'network', node } });

  const result = await walk(
    nodes,
    async (n) => {
      if (n.payload.kind === 'network') {
        await applyStagedNetwork(ctx, n.payload.node, previousNetwork.get(n.payload.node) ?? []);
        return;
      }
      const id = n.payload.id;
      const r = plan.resources[id]!;
      const handler = HANDLERS.get(r.type)!;
      const resource = desired(id, true);
      const attributes = await handler.apply(
        ctx,
        resource,
        changes.get(id)!,
        await handler.read(ctx, resource),
      );
      await state.put(id, {
        type: r.type,
        path: r.path,
        attributes,
        properties: r.properties,
        dependsOn: r.dependsOn,
      });
    },
    {
      concurrency: options.concurrency,
      limits: { 'template:*': 1, 'node:*': 4, 'network:*': 1 },
      onEvent: (e) => options.onEvent?.(stack, e, reports.get(e.id)),
    },
  );
  // Unchanged resources still need their attributes in state (a lost state, or references from other stacks).
  for (const [id, c] of changes) {
    if (c.action !== 'no-op' || state.state.resources[id]) continue;
    const r = plan.resources[id]!;
    const observed = await HANDLERS.get(r.type)!.read(ctx, desired(id, false));
    if (observed)
      await state.put(id, {
        type: r.type,
        path: r.path,
        attributes: observed.attributes,
        properties: r.properties,
        dependsOn: r.dependsOn,
      });
  }
  for (const [id, outcome] of result.outcomes) {
    const report = reports.get(id);
    if (!report) continue;
    report.status = outcome.status;
    if (outcome.error)
      report.error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    if (outcome.status === 'skipped') report.error = `skipped: ${outcome.because} failed`;
  }
  return { ok: result.counts.failed === 0 && result.counts.cancelled === 0, reports: [...reports.values()] };
}
