import type { Plan } from '../core/plan.ts';
import type { PveApi } from '../pve/api/pve-api.ts';
import type { ClusterResource } from '../pve/api/schemas.ts';
import { PveError } from '../pve/errors.ts';
import { applyWithSafetySnapshot, type CriticalStep, type CriticalStepDetail } from './critical-change.ts';
import { deleteOwnedResource, stagedNetworkNode } from './deletion.ts';
import { acquireDeployLock } from './deploy-lock.ts';
import { type DeployReport, failureFields, type ResourceReport } from './deploy-report.ts';
import { EngineError } from './engine-errors.ts';
import { type WalkEvent, type WalkNode, walk } from './graph-walker.ts';
import { applyStagedNetwork } from './handlers/bridge-handler.ts';
import {
  type DesiredResource,
  HANDLERS,
  type HandlerContext,
  type Observed,
  type PlannedChange,
  type ResourceHandler,
} from './handlers/index.ts';
import { deploymentOrder, type LoadedAssembly } from './plan-loader.ts';
import { describeMissing } from './preflight/check-permissions.ts';
import { assertPermissions, preflightPermissions } from './preflight/preflight.ts';
import { resolveReferences } from './references.ts';
import { planStack, type StackPlan } from './stack-planner.ts';
import { StateStore } from './state-store.ts';
import { WalkLimiter } from './walk-limiter.ts';

export type { DeployReport, ResourceReport } from './deploy-report.ts';

export interface DeployOptions {
  readonly assembly: LoadedAssembly;
  /** Stacks to deploy; the stacks they depend on deploy first. */
  readonly targets: readonly string[];
  readonly api: PveApi;
  readonly stateDir: string;
  readonly remote: string;
  readonly concurrency: number;
  /** Resolves secret references and keeps what Proxmox shows once (new token secrets). */
  readonly secrets?: HandlerContext['secrets'];
  /** The API token, named in a permission error. */
  readonly tokenId?: string;
  /** Plan only: read and diff, write nothing. */
  readonly dryRun?: boolean;
  readonly allowDestroyData?: boolean;
  /** Break a lock left by a deploy that died elsewhere. */
  readonly forceUnlock?: boolean;
  /** Called once a stack is planned, before its first write: every resource with its action. */
  readonly onPlan?: (stack: string, resources: readonly ResourceReport[]) => void | Promise<void>;
  readonly onEvent?: (stack: string, event: WalkEvent, resource: ResourceReport | undefined) => void;
  /** Things the operator should know that do not stop the deploy (a stale lock taken over). */
  readonly onWarning?: (message: string) => void;
  /** Steps of critical changes: snapshot, apply, verify, rollback, prune. */
  readonly onCriticalStep?: (stack: string, step: CriticalStep, detail: CriticalStepDetail) => void;
  /** Retries of whole actions after transient failures (locks, timeouts, 5xx); tests set it low. */
  readonly retry?: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
}

/**
 * Keyed limits of the walk: one clone per template, two full clones per
 * target storage (each holds the storage lock for the whole copy, and more
 * in parallel fail with `can't lock file ... got timeout`), a few changes
 * per node, one network edit per node at a time.
 */
export const ENGINE_LIMITS: Readonly<Record<string, number>> = {
  'template:*': 1,
  'storage:*': 2,
  'node:*': 4,
  'network:*': 1,
};

const RETRYABLE = new Set(['PVE_LOCKED', 'PVE_TIMEOUT', 'PVE_CONNECTION', 'PVE_SERVER']);

/** Transient: another operation held a lock, a task hit a storage lock timeout, or the server hiccupped. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof PveError)) return false;
  if (RETRYABLE.has(error.code)) return true;
  return error.code === 'PVE_TASK_FAILED' && /can't lock file|got timeout|lock/i.test(error.message);
}

/**
 * Deploys stacks in dependency order: for each, reads live state (one bulk
 * inventory plus what handlers need), plans every resource and the deletion
 * of what the plan dropped, then walks the changes with their dependencies,
 * recording each completed action in state. Bridge edits of a node are
 * applied once, before anything that needs them.
 */
export async function deployStacks(options: DeployOptions): Promise<DeployReport> {
  const order = deploymentOrder(options.assembly, options.targets);
  const states = new Map<string, StateStore>();
  // One set of slots for every stack in flight: the remote sees the limits, however many stacks run.
  const limiter = new WalkLimiter(options.concurrency, ENGINE_LIMITS);
  // Once, before the first write of any stack: what the whole deploy needs against what the token holds.
  let permissionCheck: Promise<void> | undefined;
  const checkPermissions = () => {
    permissionCheck ??= (async () => {
      const preflight = await preflightPermissions(
        options.api,
        order.map((s) => options.assembly.plans.get(s)!),
      );
      if (options.dryRun) {
        for (const line of describeMissing(preflight.missing))
          options.onWarning?.(`the API token lacks ${line.trim()}`);
      } else assertPermissions(preflight, options.tokenId);
    })();
    return permissionCheck;
  };
  // Plans are shown (and confirmed) one stack at a time, even when stacks run side by side.
  let planShown: Promise<void> = Promise.resolve();
  const onPlan = (stack: string, resources: readonly ResourceReport[]) => {
    const next = planShown.then(() => options.onPlan?.(stack, resources));
    planShown = next.catch(() => undefined);
    return next;
  };
  // The inventory a stack read stays current while no stack writes: the next stack reuses it.
  let writes = 0;
  let shared: { inventory: readonly ClusterResource[]; writes: number } | undefined;

  const outcome = new Map<string, StackOutcome>();
  const runStack = async (stack: string): Promise<void> => {
    const lock = options.dryRun
      ? undefined
      : acquireDeployLock(options.stateDir, options.remote, stack, `pvecdk deploy ${stack}`, {
          force: options.forceUnlock,
        });
    if (lock?.tookOverFrom)
      options.onWarning?.(
        `took over the lock of stack ${stack} from '${lock.tookOverFrom.command}' (pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.hostname}, since ${lock.tookOverFrom.startedAt})`,
      );
    try {
      // Opened under the lock: what another deploy wrote before it released the lock counts.
      const state = StateStore.open(options.stateDir, options.remote, stack);
      states.set(stack, state);
      const known = shared && shared.writes === writes ? shared.inventory : undefined;
      const result = await deployStack(options.assembly.plans.get(stack)!, state, states, {
        options: { ...options, onPlan },
        limiter,
        checkPermissions,
        knownInventory: known,
      });
      if (result.wrote) writes += 1;
      else if (!known) shared = { inventory: result.inventory, writes };
      outcome.set(stack, result);
    } finally {
      lock?.release();
    }
  };

  // Stacks run as soon as the stacks they depend on succeeded, up to `concurrency` at once;
  // a failed stack's dependants never start, independent ones go on.
  const started = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();
  let thrown: unknown;
  const dependsOn = (stack: string) =>
    options.assembly.plans.get(stack)!.dependsOn.filter((d) => order.includes(d));
  for (;;) {
    if (thrown === undefined) {
      for (const stack of order) {
        if (started.has(stack) || inFlight.size >= options.concurrency) continue;
        if (!dependsOn(stack).every((d) => outcome.get(d)?.ok)) continue;
        started.add(stack);
        inFlight.set(
          stack,
          runStack(stack)
            .catch((e: unknown) => {
              thrown ??= e;
            })
            .finally(() => inFlight.delete(stack)),
        );
      }
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
  }
  // A refusal (lock, data loss, permissions) is the deploy's answer, once every running stack has stopped.
  if (thrown !== undefined) throw thrown;
  for (const stack of order.filter((s) => !started.has(s))) {
    const failed = dependsOn(stack).filter((d) => !outcome.get(d)?.ok);
    options.onWarning?.(
      `stack ${stack} was not deployed: it depends on ${failed.join(', ')}, which did not deploy`,
    );
  }
  const ran = order.filter((s) => outcome.has(s));
  return {
    stacks: order,
    resources: ran.flatMap((s) => outcome.get(s)!.reports),
    ok: ran.length === order.length && ran.every((s) => outcome.get(s)!.ok),
  };
}

interface StackRun {
  readonly options: DeployOptions;
  readonly limiter: WalkLimiter;
  readonly checkPermissions: () => Promise<void>;
  readonly knownInventory: readonly ClusterResource[] | undefined;
}

async function deployStack(
  plan: Plan,
  state: StateStore,
  states: ReadonlyMap<string, StateStore>,
  { options, limiter, checkPermissions, knownInventory }: StackRun,
): Promise<StackOutcome> {
  const stack = plan.stack;
  const observedAttributes = new Map<string, Record<string, unknown>>();
  const lookup = (s: string, id: string) =>
    s === stack
      ? (state.state.resources[id]?.attributes ?? observedAttributes.get(id))
      : states.get(s)?.state.resources[id]?.attributes;
  const ctx: HandlerContext = {
    api: options.api,
    inventory: knownInventory ?? (await options.api.clusterResources()),
    stack,
    ...(options.secrets ? { secrets: options.secrets } : {}),
  };
  const desired = (id: string, strict: boolean): DesiredResource => {
    const r = plan.resources[id]!;
    return {
      id,
      type: r.type,
      path: r.path,
      properties: resolveReferences(r.properties, stack, lookup, strict) as Record<string, unknown>,
    };
  };

  const planned = await planStack(
    plan,
    state,
    { ...ctx, planningCache: new Map() },
    (id) => desired(id, false),
    observedAttributes,
  );
  const all = [...planned.reports.values()];
  // Only a stack that would change something costs the permission reads: a no-op re-deploy stays a few reads.
  if (all.some((r) => r.action !== 'no-op' && r.action !== 'pending')) await checkPermissions();
  await options.onPlan?.(stack, all);
  const unwritten = { wrote: false, inventory: ctx.inventory };
  if (options.dryRun || planned.failures > 0)
    return { ok: planned.failures === 0, reports: all, ...unwritten };
  const lossy = all.filter((r) => r.destroysData);
  if (lossy.length && !options.allowDestroyData) {
    throw new EngineError(
      'ENGINE_DATA_LOSS',
      `${lossy.map((r) => `${r.path} (${r.action})`).join(', ')} would destroy data`,
      'run again with --allow-destroy-data if that is intended',
    );
  }

  const nodes = actionGraph(plan, state, planned, (id) => desired(id, false));
  const previousNetwork = new Map<string, Array<Record<string, unknown>>>();
  for (const n of nodes)
    if (n.payload.kind === 'network')
      previousNetwork.set(
        n.payload.node,
        (await options.api.network(n.payload.node)) as unknown as Array<Record<string, unknown>>,
      );

  const result = await walk(
    nodes,
    async (n) => {
      const p = n.payload;
      if (p.kind === 'network') {
        await applyStagedNetwork(ctx, p.node, previousNetwork.get(p.node) ?? []);
        return;
      }
      if (p.kind === 'delete') {
        // Deleting reads what is live now: the inventory of the plan may be minutes old.
        const fresh = { ...ctx, inventory: await options.api.clusterResources() };
        await deleteOwnedResource(fresh, state, p.id, planned.deletions.get(p.id)!);
        return;
      }
      const r = plan.resources[p.id]!;
      const handler = HANDLERS.get(r.type)!;
      const resource = desired(p.id, true);
      // Planned as is only on a first try with every value known; a retry starts from what is live now.
      const asPlanned = p.attempt++ === 0 && !planned.provisional.has(p.id);
      const fresh = asPlanned ? ctx : { ...ctx, inventory: await options.api.clusterResources() };
      const observed = await handler.read(fresh, resource);
      const change = asPlanned
        ? planned.changes.get(p.id)!
        : replan(handler, resource, observed, state.state.resources[p.id]?.properties, options);
      const attributes =
        change.action === 'no-op'
          ? (observed?.attributes ?? {})
          : await applyWithSafetySnapshot(fresh, handler, resource, change, observed, {
              critical: r.critical === true,
              retention: r.snapshotRetention,
              onStep: (step, detail) => options.onCriticalStep?.(stack, step, detail),
            });
      await state.put(p.id, {
        type: r.type,
        path: r.path,
        attributes,
        properties: r.properties,
        dependsOn: r.dependsOn,
      });
    },
    {
      concurrency: options.concurrency,
      limiter,
      retry: {
        attempts: options.retry?.attempts ?? 3,
        baseMs: options.retry?.baseMs ?? 2000,
        maxMs: options.retry?.maxMs ?? 15000,
        isRetryable: isTransient,
      },
      onEvent: (e) => options.onEvent?.(stack, e, planned.reports.get(e.id)),
    },
  );

  // Unchanged resources still need their attributes in state: after a lost state they are adopted here.
  for (const [id, c] of planned.changes) {
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
    const report = planned.reports.get(id);
    if (!report) continue;
    report.status = outcome.status;
    if (outcome.error) Object.assign(report, failureFields(outcome.error));
    if (outcome.status === 'skipped') report.error = `skipped: ${outcome.because} failed`;
  }
  return {
    ok: result.counts.failed === 0 && result.counts.cancelled === 0,
    reports: [...planned.reports.values()],
    wrote: nodes.length > 0,
    inventory: ctx.inventory,
  };
}

interface StackOutcome {
  readonly ok: boolean;
  readonly reports: ResourceReport[];
  /** Whether anything was sent to the remote: if not, its inventory is still current. */
  readonly wrote: boolean;
  readonly inventory: readonly ClusterResource[];
}

/** Plans again at apply time, with the same refusals as before the first write. */
function replan(
  handler: ResourceHandler,
  resource: DesiredResource,
  observed: Observed | undefined,
  previous: Readonly<Record<string, unknown>> | undefined,
  options: DeployOptions,
): PlannedChange {
  const owner = observed?.ownership;
  if (owner && (owner.kind === 'other' || owner.kind === 'foreign'))
    throw new EngineError(
      'ENGINE_NOT_OWNED',
      `${resource.path}: the live object ${owner.kind === 'other' ? `belongs to stack ${owner.stack}` : 'was not created by pvecdk'}; pvecdk will not take it over`,
      'give this resource another id in the stack, or remove the existing object',
    );
  const change = handler.plan(resource, observed, previous);
  if (change.destroysData && !options.allowDestroyData)
    throw new EngineError(
      'ENGINE_DATA_LOSS',
      `${resource.path} (${change.action}) would destroy data once its references are known`,
      'run again with --allow-destroy-data if that is intended',
    );
  return change;
}

type ActionPayload =
  | { kind: 'resource'; id: string; attempt: number }
  | { kind: 'delete'; id: string }
  | { kind: 'network'; node: string };

/**
 * The walk: changed resources after what they depend on; deletions after the
 * resources that used them were changed, dependants first; one network
 * apply per node after its bridge edits, before what uses those bridges.
 */
function actionGraph(
  plan: Plan,
  state: StateStore,
  planned: StackPlan,
  desired: (id: string) => DesiredResource,
): WalkNode<ActionPayload>[] {
  const changed = new Set([...planned.changes].filter(([, c]) => c.action !== 'no-op').map(([id]) => id));
  const bridgeNode = new Map<string, string>();
  for (const id of changed) {
    const r = plan.resources[id]!;
    if (r.type === 'proxmox_virtual_environment_network_linux_bridge')
      bridgeNode.set(id, `network-apply:${String(r.properties.node_name)}`);
  }
  for (const [id, r] of planned.deletions) {
    const node = stagedNetworkNode(r);
    if (node) bridgeNode.set(id, `network-apply:${node}`);
  }

  const nodes: WalkNode<ActionPayload>[] = [];
  for (const id of changed) {
    const deps = plan.resources[id]!.dependsOn.filter((d) => changed.has(d)).map(
      (d) => bridgeNode.get(d) ?? d,
    );
    nodes.push({
      id,
      dependsOn: [...new Set(deps)],
      locks: HANDLERS.get(plan.resources[id]!.type)!.locks(desired(id), planned.changes.get(id)),
      payload: { kind: 'resource', id, attempt: 0 },
    });
  }
  for (const [id] of planned.deletions) {
    const usedBy = [
      // Removed resources that depended on it go first...
      ...[...planned.deletions].filter(([, r]) => r.dependsOn.includes(id)).map(([other]) => other),
      // ...and so do the kept resources that used it and are changing to stop using it.
      ...[...changed].filter((c) => state.state.resources[c]?.dependsOn.includes(id)),
    ];
    nodes.push({ id, dependsOn: [...new Set(usedBy)], payload: { kind: 'delete', id } });
  }
  const applyDeps = new Map<string, string[]>();
  for (const [id, apply] of bridgeNode) applyDeps.set(apply, [...(applyDeps.get(apply) ?? []), id]);
  for (const [apply, deps] of applyDeps)
    nodes.push({
      id: apply,
      dependsOn: deps,
      payload: { kind: 'network', node: apply.slice('network-apply:'.length) },
    });
  return nodes;
}
