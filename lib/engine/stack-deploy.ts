import type { Plan } from '../contract/plan.ts';
import type { ClusterResource } from '../pve/api/schemas.ts';
import { actionGraph } from './action-graph.ts';
import { applyWithSafetySnapshot, type CriticalStep, type CriticalStepDetail } from './critical-change.ts';
import { deleteOwnedResource, retireObjects } from './deletion.ts';
import { failureFields, type ResourceReport } from './deploy-report.ts';
import { desiredResource } from './desired-resource.ts';
import { EngineError } from './engine-errors.ts';
import { type WalkEvent, walk } from './graph-walker.ts';
import type { GuestTransport } from './guest/guest-transport.ts';
import { publicKeyLine } from './guest/public-key.ts';
import { stateHostKeyTrust } from './guest/state-host-keys.ts';
import type {
  DesiredResource,
  HandlerContext,
  Observed,
  ReadCache,
  ResourceChange,
  ResourceHandler,
} from './handlers/handler.ts';
import { HANDLERS } from './handlers/index.ts';
import { identityChanges } from './identity.ts';
import { resolveReferences } from './references.ts';
import { diffStack, type StackChanges, withAskedReplace } from './stack-diff.ts';
import type { ResourceState, StateStore } from './state-store.ts';
import { isTransient } from './transient.ts';
import type { WalkLimiter } from './walk-limiter.ts';

/** What one stack's deploy needs from the run it is part of. */
export interface StackRun {
  readonly api: HandlerContext['api'];
  readonly secrets?: HandlerContext['secrets'];
  /** The run's way into guests (chosen by the CLI); each stack sees it with its own host key book. */
  readonly guests?: GuestTransport | undefined;
  /** Things the operator should know that do not stop the deploy (a guest host key trusted on first use). */
  readonly onNotice?: (message: string) => void;
  readonly dryRun: boolean;
  /** The stack's plan is empty because the stack is being destroyed (errors say so). */
  readonly destroying: boolean;
  readonly allowDestroyData: boolean;
  readonly concurrency: number;
  readonly limiter: WalkLimiter;
  readonly retry: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
  /** The inventory another stack read, still current because nothing was written since. */
  readonly knownInventory: readonly ClusterResource[] | undefined;
  /** The bulk lists another stack read with that inventory (see `HandlerContext.readCache`), as current. */
  readonly knownReads?: ReadCache | undefined;
  /** Stops scheduling new actions; what runs finishes and is recorded. */
  readonly signal?: AbortSignal;
  /** Paths of resources the operator asked to replace (`--replace`). */
  readonly replace?: ReadonlySet<string> | undefined;
  /** Changes computed before the run wrote anything, still current: used instead of computing them again. */
  readonly precomputed?: ComputedStack | undefined;
  /** Checks, once per run, that the token holds what the run needs. */
  readonly checkPermissions: () => Promise<void>;
  readonly onChanges: (stack: string, resources: readonly ResourceReport[]) => void | Promise<void>;
  readonly onEvent?: (stack: string, event: WalkEvent, resource: ResourceReport | undefined) => void;
  readonly onCriticalStep?: (stack: string, step: CriticalStep, detail: CriticalStepDetail) => void;
}

export interface StackOutcome {
  readonly ok: boolean;
  readonly reports: ResourceReport[];
  /** Whether anything was sent to the remote: if not, its inventory and bulk lists are still current. */
  readonly wrote: boolean;
  readonly inventory: readonly ClusterResource[];
  readonly reads: ReadCache;
}

/** Refuses, before any write, a change that would destroy data without `--allow-destroy-data`. */
export function refuseDataLoss(message: string, allowed: boolean): void {
  if (!allowed)
    throw new EngineError(
      'ENGINE_DATA_LOSS',
      message,
      'run again with --allow-destroy-data if that is intended',
    );
}

/** A stack's changes as computed before its first write, with what resolving its references read live. */
export interface ComputedStack {
  readonly changes: StackChanges;
  readonly observedAttributes: Map<string, Record<string, unknown>>;
  readonly inventory: readonly ClusterResource[];
  /** The bulk lists read with that inventory: current as long as it is. */
  readonly reads: ReadCache;
}

/**
 * Whether deploying these changes writes anything, to the remote or to the
 * stack's state: a change, a deletion, an object left to retire, or an unchanged resource the state
 * does not record yet (adopted after a lost state). A stack that writes
 * nothing is only read, under a shared lock.
 */
export function stackWrites(state: StateStore, computed: ComputedStack): boolean {
  if (computed.changes.deletions.size > 0 || computed.changes.retirements.size > 0) return true;
  for (const [id, change] of computed.changes.changes)
    if (change.action !== 'no-op' || !state.state.resources[id]) return true;
  return false;
}

/** Resolves a stack's references from its state, what was read live, and the states of the stacks it depends on. */
function referenceResolver(
  plan: Plan,
  state: StateStore,
  states: ReadonlyMap<string, StateStore>,
  observedAttributes: ReadonlyMap<string, Record<string, unknown>>,
  secrets: HandlerContext['secrets'],
) {
  // Public keys named by secret reference (a VM's cloud-init keys) resolve from the secret store.
  const publicKeyOf = secrets ? (reference: string) => publicKeyLine(secrets, reference) : undefined;
  const lookup = (s: string, id: string) =>
    s === plan.stack
      ? (state.state.resources[id]?.attributes ?? observedAttributes.get(id))
      : states.get(s)?.state.resources[id]?.attributes;
  return (id: string, strict: boolean) =>
    resolveReferences(plan.resources[id]!.properties, plan.stack, lookup, strict, publicKeyOf);
}

/**
 * Reads live state (one bulk inventory, unless a current one is given, plus
 * what handlers need) and computes every resource's changes and the
 * deletion of what the plan dropped. Writes nothing.
 */
export async function computeStack(
  plan: Plan,
  state: StateStore,
  states: ReadonlyMap<string, StateStore>,
  options: {
    readonly api: HandlerContext['api'];
    readonly inventory?: readonly ClusterResource[] | undefined;
    /**
     * Bulk lists read with that inventory (backup jobs, pools, users, ...): another stack's reads of the
     * same remote, shared while nothing is written, so each list is read once per remote and run.
     */
    readonly reads?: ReadCache | undefined;
    /** Guest resources are read through it (read-only: a host key seen first is trusted for the run). */
    readonly guests?: GuestTransport | undefined;
    /** Resolves the public keys plans name by secret reference. */
    readonly secrets?: HandlerContext['secrets'] | undefined;
    /** Told when a guest host key is trusted for the first time while computing. */
    readonly onNotice?: ((message: string) => void) | undefined;
    readonly destroying: boolean;
    /** Paths of resources the operator asked to replace (`--replace`). */
    readonly replace?: ReadonlySet<string> | undefined;
  },
): Promise<ComputedStack> {
  const observedAttributes = new Map<string, Record<string, unknown>>();
  const resolve = referenceResolver(plan, state, states, observedAttributes, options.secrets);
  const inventory = options.inventory ?? (await options.api.clusterResources());
  // Lists read with another inventory are as old as it: they go along with it, or not at all.
  const reads: ReadCache = (options.inventory && options.reads) || new Map();
  const changes = await diffStack(
    plan,
    state,
    {
      api: options.api,
      inventory,
      stack: plan.stack,
      readCache: reads,
      ...guestsFor(options.guests, state, options.api, { readOnly: true, notify: options.onNotice }),
    },
    (id) => resolve(id, false),
    observedAttributes,
    {
      deletionReason: options.destroying ? `destroying ${plan.stack}` : 'removing it from the plan',
      ...(options.replace ? { replace: options.replace } : {}),
    },
  );
  return { changes, observedAttributes, inventory, reads };
}

/**
 * Deploys one stack: computes its changes (or takes those computed before
 * the run wrote anything), then walks them with their dependencies,
 * recording each completed action in state. Staged groups (a node's
 * network) are applied once, before anything that needs them.
 */
export async function deployStack(
  plan: Plan,
  state: StateStore,
  states: ReadonlyMap<string, StateStore>,
  run: StackRun,
): Promise<StackOutcome> {
  const stack = plan.stack;
  const known =
    run.precomputed ??
    (await computeStack(plan, state, states, {
      api: run.api,
      inventory: run.knownInventory,
      reads: run.knownReads,
      guests: run.guests,
      secrets: run.secrets,
      onNotice: run.dryRun ? run.onNotice : undefined,
      destroying: run.destroying,
      replace: run.replace,
    }));
  const computed = known.changes;
  const resolve = referenceResolver(plan, state, states, known.observedAttributes, run.secrets);
  const ctx: HandlerContext = {
    api: run.api,
    inventory: known.inventory,
    stack,
    ...(run.secrets ? { secrets: run.secrets } : {}),
    ...guestsFor(run.guests, state, run.api, { readOnly: run.dryRun, notify: run.onNotice }),
    allowDestroyData: run.allowDestroyData,
  };
  /** A resource with every reference known: what is applied. */
  const applicable = (handler: ResourceHandler, id: string): DesiredResource =>
    desiredResource(handler, id, plan.resources[id]!, resolve(id, true));

  const all = [...computed.reports.values()];
  // Only a stack that would change something costs the permission reads: a no-op re-deploy stays a few reads.
  if (all.some((r) => r.action !== 'no-op' && r.action !== 'pending')) await run.checkPermissions();
  await run.onChanges(stack, all);
  const unwritten = { wrote: false, inventory: ctx.inventory, reads: known.reads };
  if (run.dryRun || computed.failures > 0) return { ok: computed.failures === 0, reports: all, ...unwritten };
  const lossy = all.filter((r) => r.destroysData);
  if (lossy.length)
    refuseDataLoss(
      run.destroying
        ? `destroying ${stack} deletes its VMs and their disks (${lossy.map((r) => r.path).join(', ')})`
        : `${lossy.map((r) => `${r.path} (${r.action})`).join(', ')} would destroy data`,
      run.allowDestroyData,
    );

  const locksOf = (id: string) => () => {
    const handler = HANDLERS.get(plan.resources[id]!.type)!;
    try {
      return handler.locks(applicable(handler, id), computed.changes.get(id));
    } catch {
      // Not resolvable yet: the action itself fails and says why.
      return [];
    }
  };
  const nodes = actionGraph(plan, state, computed, (id) => resolve(id, false), locksOf);
  const captured = new Map<string, unknown>();
  for (const n of nodes)
    if (n.payload.kind === 'staged')
      captured.set(
        n.payload.group,
        await HANDLERS.get(n.payload.type)!.staging!.capture(ctx, n.payload.group),
      );

  const result = await walk(
    nodes,
    async (n) => {
      const p = n.payload;
      if (p.kind === 'staged') {
        await HANDLERS.get(p.type)!.staging!.apply(ctx, p.group, captured.get(p.group));
        return;
      }
      if (p.kind === 'retire') {
        const fresh = { ...ctx, inventory: await run.api.clusterResources() };
        await retireObjects(fresh, state, p.id, state.state.resources[p.id]!);
        return;
      }
      if (p.kind === 'delete') {
        // Deleting reads what is live now: the inventory of the diff may be minutes old.
        const fresh = { ...ctx, inventory: await run.api.clusterResources() };
        await deleteOwnedResource(fresh, state, p.id, computed.deletions.get(p.id)!);
        return;
      }
      const r = plan.resources[p.id]!;
      const handler = HANDLERS.get(r.type)!;
      const resource = applicable(handler, p.id);
      // The plan names another object than state recorded: it is made, the recorded one retires later.
      const recorded = state.state.resources[p.id];
      const renamed = recorded !== undefined && identityChanges(handler, recorded.properties, r.properties);
      // As computed only on a first try with every value known; a retry starts from what is live now.
      const asComputed = p.attempt++ === 0 && !computed.provisional.has(p.id) && !renamed;
      const fresh = asComputed ? ctx : { ...ctx, inventory: await run.api.clusterResources() };
      const observed = await handler.read(fresh, resource);
      const change = asComputed
        ? computed.changes.get(p.id)!
        : diffAgain(handler, resource, observed, renamed ? undefined : recorded, {
            allowDestroyData: run.allowDestroyData,
            // Asked to replace, and what is live is still the object it was asked of (the replacement
            // did not get to delete it): replaced again. A new object (made by a replacement that
            // failed later) is only brought up to date.
            replace:
              run.replace?.has(r.path) &&
              JSON.stringify(observed?.attributes) === JSON.stringify(known.observedAttributes.get(p.id))
                ? run.replace
                : undefined,
            properties: r.properties,
          });
      const attributes =
        change.action === 'no-op' || change.recordOnly
          ? (observed?.attributes ?? state.state.resources[p.id]?.attributes ?? {})
          : await applyWithSafetySnapshot(fresh, handler, resource, change, observed, {
              critical: r.critical === true,
              retention: r.snapshotRetention,
              onStep: (step, detail) => run.onCriticalStep?.(stack, step, detail),
            });
      // What it named before stays recorded until it is deleted: a stop in between loses nothing.
      const retiring = [
        ...(recorded?.retiring ?? []),
        ...(renamed ? [{ attributes: recorded.attributes, properties: recorded.properties }] : []),
      ];
      await state.put(p.id, {
        type: r.type,
        path: r.path,
        attributes,
        properties: r.properties,
        dependsOn: r.dependsOn,
        ...(retiring.length ? { retiring } : {}),
      });
    },
    {
      concurrency: run.concurrency,
      limiter: run.limiter,
      retry: { ...run.retry, isRetryable: isTransient },
      ...(run.signal ? { signal: run.signal } : {}),
      onEvent: (e) => run.onEvent?.(stack, e, computed.reports.get(e.id)),
    },
  );

  // Unchanged resources still need their attributes in state: after a lost state they are adopted here.
  for (const [id, c] of computed.changes) {
    if (c.action !== 'no-op' || state.state.resources[id]) continue;
    const r = plan.resources[id]!;
    const handler = HANDLERS.get(r.type)!;
    const observed = await handler.read(ctx, applicable(handler, id));
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
    const report = computed.reports.get(id);
    if (!report) continue;
    report.status = outcome.status;
    if (outcome.error) Object.assign(report, failureFields(outcome.error));
    if (outcome.status === 'skipped') report.error = `skipped: ${outcome.because} failed`;
  }
  return {
    ok: result.counts.failed === 0 && result.counts.cancelled === 0,
    reports: [...computed.reports.values()],
    wrote: nodes.length > 0,
    inventory: ctx.inventory,
    reads: known.reads,
  };
}

/** The run's guest transport as one stack sees it: host keys trusted on first use go to its state. */
function guestsFor(
  guests: GuestTransport | undefined,
  state: StateStore,
  api: HandlerContext['api'],
  options: { readonly readOnly: boolean; readonly notify?: ((message: string) => void) | undefined },
): Pick<HandlerContext, 'guests' | 'notify'> {
  if (!guests) return {};
  const notify = options.notify;
  const trust = stateHostKeyTrust(state, api, {
    readOnly: options.readOnly,
    ...(options.notify ? { notify: options.notify } : {}),
  });
  return { guests: guests.forStack?.(trust) ?? guests, ...(notify ? { notify } : {}) };
}

/** Computes a resource's changes again at apply time, with the same refusals as before the first write. */
function diffAgain(
  handler: ResourceHandler,
  resource: DesiredResource,
  observed: Observed | undefined,
  applied: ResourceState | undefined,
  options: {
    readonly allowDestroyData: boolean;
    readonly replace: ReadonlySet<string> | undefined;
    readonly properties: Readonly<Record<string, unknown>>;
  },
): ResourceChange {
  const owner = observed?.ownership;
  if (owner && (owner.kind === 'other' || owner.kind === 'foreign'))
    throw new EngineError(
      'ENGINE_NOT_OWNED',
      `${resource.path}: the live object ${owner.kind === 'other' ? `belongs to stack ${owner.stack}` : 'was not created by pvecdk'}; pvecdk will not take it over`,
      'give this resource another id in the stack, or remove the existing object',
    );
  const parsed = applied ? handler.contract.plan.safeParse(applied.properties) : undefined;
  const change = withAskedReplace(
    handler,
    {
      id: resource.id,
      type: resource.type,
      path: resource.path,
      properties: options.properties,
      applied,
      observed,
    },
    handler.diff(resource, observed, parsed?.success ? parsed.data : undefined),
    options.replace,
  );
  if (change.destroysData)
    refuseDataLoss(
      `${resource.path} (${change.action}) would destroy data once its references are known`,
      options.allowDestroyData,
    );
  return change;
}
