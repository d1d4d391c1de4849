import type { Plan, PlanResource } from '../contract/plan.ts';
import { dependencyOrder } from '../core/private/dag.ts';
import { PveError } from '../pve/errors.ts';
import { failureFields, type ResourceReport } from './deploy-report.ts';
import { desiredResource } from './desired-resource.ts';
import { EngineError } from './engine-errors.ts';
import type {
  AppliedResource,
  DesiredResource,
  HandlerContext,
  Observed,
  PropertyChange,
  ResourceChange,
  ResourceHandler,
} from './handlers/handler.ts';
import { propertyChange } from './handlers/handler.ts';
import { HANDLERS } from './handlers/index.ts';
import { identityChanges } from './identity.ts';
import { asShown, plannedProperties, recordedDifferences, valueAtPath } from './planned-properties.ts';
import type { ResourceState, StateStore } from './state-store.ts';
import { hasUnknowns, isUnknown, unknownPaths } from './unknown.ts';

/** Everything a stack's deploy will do, decided before the first write. */
export interface StackChanges {
  readonly reports: Map<string, ResourceReport>;
  /** Per plan resource with a handler: what changes. */
  readonly changes: Map<string, ResourceChange>;
  /** Resources the state has and the plan no longer does: deleted by this deploy. */
  readonly deletions: Map<string, ResourceState>;
  /** Computed with references not known yet: computed again, with every value known, when they are applied. */
  readonly provisional: ReadonlySet<string>;
  /** Resources whose changes could not be computed (unreadable, not ours): nothing is written when any exist. */
  readonly failures: number;
  /**
   * Objects plan resources named before their identity changed, by resource:
   * deleted once the new object is made and what used the old one moved.
   */
  readonly retirements: Map<string, readonly RetiringObject[]>;
}

/** An object a resource named before its identity changed, as state recorded it. */
export interface RetiringObject {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly properties: Readonly<Record<string, unknown>>;
}

const byId = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);

/** Resolves a plan resource's references; values not known yet stay Unknown markers. */
export type Resolve = (id: string) => unknown;

/**
 * The changes of a resource some of whose values are only known once what
 * it refers to is applied: its handler cannot compare it yet, so it is a
 * create (or, when it already exists, an update of those values), decided
 * again when it is applied.
 */
function provisionalChange(
  resolved: unknown,
  exists: boolean,
  proxmoxKey: (path: string) => string | undefined,
): ResourceChange {
  const changes: PropertyChange[] = unknownPaths(resolved).map((key) =>
    propertyChange(key, undefined, asShown(valueAtPath(resolved, key)), { api: proxmoxKey(key) }),
  );
  return { action: exists ? 'update' : 'create', changes: exists ? changes : [], destroysData: false };
}

/** The plan form of a property tree with unknowns: each Unknown becomes the reference it stands for. */
function withUnknownsAsReferences(value: unknown): unknown {
  if (isUnknown(value)) return { ref: value.ref, attr: value.attr };
  if (Array.isArray(value)) return value.map(withUnknownsAsReferences);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknownsAsReferences(v)]));
  return value;
}

/**
 * Reads a resource whose properties are not all known, so that what holds
 * its identity (a VM id) is still checked for ownership before any write:
 * the handler gets the plan form, references where values are unknown. A
 * read that needs an unknown value finds nothing.
 */
async function readProvisional(
  handler: ResourceHandler,
  ctx: HandlerContext,
  id: string,
  resource: Pick<PlanResource, 'type' | 'path'>,
  resolved: unknown,
): Promise<Observed | undefined> {
  const planForm = handler.contract.plan.safeParse(withUnknownsAsReferences(resolved));
  if (!planForm.success) return undefined;
  const partial = { id, type: resource.type, path: resource.path, props: planForm.data } as DesiredResource;
  return handler.read(ctx, partial).catch(() => undefined);
}

/**
 * A no-op live, checked against what state last recorded of the plan: plan
 * properties that changed without anything to change in Proxmox (a disk's
 * lifecycle, what happens on destroy) are still a change, recorded in state
 * and shown, so later decisions (a retained disk) read what the plan says now.
 */
function recordedChange(
  recorded: Readonly<Record<string, unknown>>,
  planned: Readonly<Record<string, unknown>>,
): ResourceChange {
  const changes = recordedDifferences(recorded, planned);
  return changes.length
    ? { action: 'update', changes, destroysData: false, recordOnly: true }
    : { action: 'no-op', changes: [], destroysData: false };
}

/** The Proxmox key of a plan path of this resource, as its handler names it. */
function proxmoxKeyFor(handler: ResourceHandler, resolved: unknown): (path: string) => string | undefined {
  return (path) => handler.proxmoxKey?.(path, resolved as never);
}

/**
 * What a resource without a handler (a guest resource, until its handler
 * exists) is shown with: what differs from the plan state recorded of it,
 * or, when state records nothing (nothing is applied for it yet), its
 * whole planned content.
 */
function pendingChanges(
  planned: Readonly<Record<string, unknown>>,
  recorded: Readonly<Record<string, unknown>> | undefined,
  resolve: () => unknown,
): PropertyChange[] {
  if (recorded) return recordedDifferences(recorded, planned);
  let resolved: unknown;
  try {
    resolved = resolve();
  } catch {
    // What cannot be resolved is shown as the plan writes it.
    resolved = planned;
  }
  return plannedProperties(resolved);
}

/**
 * Reads and compares every resource of one stack, dependencies first,
 * filling `observedAttributes` as it goes so references resolve from what
 * is live when the state does not have them. Resources the live system has
 * but another owner holds are failures, never adopted.
 */
export async function diffStack(
  plan: Plan,
  state: StateStore,
  ctx: HandlerContext,
  resolve: Resolve,
  observedAttributes: Map<string, Record<string, unknown>>,
  options: {
    readonly deletionReason: string;
    /** Paths of resources the operator asked to replace (`--replace`). */
    readonly replace?: ReadonlySet<string>;
  },
): Promise<StackChanges> {
  const stack = plan.stack;
  const reports = new Map<string, ResourceReport>();
  const changes = new Map<string, ResourceChange>();
  const provisional = new Set<string>();
  const retirements = new Map<string, readonly RetiringObject[]>();
  let failures = 0;
  const base = (id: string, path: string, type: string) => ({ stack, id, path, type });
  const nodes = Object.entries(plan.resources).map(([id, r]) => ({ id, dependsOn: r.dependsOn }));

  for (const id of dependencyOrder(nodes)) {
    const r = plan.resources[id]!;
    const handler = HANDLERS.get(r.type);
    // A guest resource in a run that reaches no guests waits like one without a handler.
    const unreachable = handler?.reachesGuests === true && !ctx.guests;
    if (!handler || unreachable) {
      const recorded = state.state.resources[id]?.properties;
      reports.set(id, {
        ...base(id, r.path, r.type),
        action: 'pending',
        changes: pendingChanges(r.properties, recorded, () => resolve(id)),
        ...(recorded ? {} : { listsProperties: true }),
        destroysData: false,
        status: 'pending',
        note: unreachable
          ? 'this run reaches no guests (no guest transport): nothing is done for it, and it is never reported done'
          : 'no handler applies this type in this version: nothing is done for it, and it is never reported done',
      });
      continue;
    }
    try {
      const resolved = resolve(id);
      const applied = state.state.resources[id];
      let change: ResourceChange;
      const provisionalNow = hasUnknowns(resolved);
      const resource = provisionalNow ? undefined : desiredResource(handler, id, r, resolved);
      // What it lives in was deleted outside pvecdk (a VM removed in the GUI): then it is gone too.
      const parentGone = r.dependsOn.some((d) => changes.get(d)?.action === 'create');
      const observed = resource
        ? await handler.read(ctx, resource).catch((e: unknown) => {
            if (parentGone && e instanceof PveError && e.code === 'PVE_NOT_FOUND') return undefined;
            throw e;
          })
        : await readProvisional(handler, ctx, id, r, resolved);
      const owner = observed?.ownership;
      if (owner && (owner.kind === 'other' || owner.kind === 'foreign')) {
        throw new EngineError(
          'ENGINE_NOT_OWNED',
          `${r.path}: ${owner.kind === 'other' ? `the live object belongs to stack ${owner.stack}` : 'the live object was not created by pvecdk'} (${describeObserved(observed.attributes)}); pvecdk will not take it over`,
          'give this resource another id in the stack, or remove the existing object; to adopt it on purpose, tag it with the stack ownership tags',
        );
      }
      // What is live lets later resources resolve their references even when the state was lost.
      if (observed) observedAttributes.set(id, observed.attributes);
      // Replacing a resource changes what refers to it (a VM's node) and takes with it what Proxmox
      // keeps of it elsewhere (its firewall, backup job and HA entries): compared again once it is applied.
      const afterReplace = r.dependsOn.some((d) => changes.get(d)?.action === 'replace');
      const renamed = applied ? identityChanges(handler, applied.properties, r.properties) : undefined;
      if (!resource || afterReplace) {
        provisional.add(id);
        change = provisionalChange(
          resolved,
          observed !== undefined || applied !== undefined,
          proxmoxKeyFor(handler, resolved),
        );
      } else {
        // What state recorded describes another object when the identity changed: not compared.
        const previous =
          applied && !renamed ? handler.contract.plan.safeParse(applied.properties) : undefined;
        change = handler.diff(resource, observed, previous?.success ? previous.data : undefined);
        // Live matches, but the plan says something new that only the engine acts on: state must record it.
        if (change.action === 'no-op' && applied && !renamed)
          change = recordedChange(applied.properties, r.properties);
        change = withAskedReplace(handler, { id, ...r, applied, observed }, change, options.replace);
      }
      if (applied && renamed) change = retiring(handler, { id, ...applied }, renamed, change);
      // Made anew, or left to retire by a deploy that stopped before it deleted them.
      const toRetire = [...(applied?.retiring ?? []), ...(applied && renamed ? [applied] : [])];
      if (toRetire.length)
        retirements.set(
          id,
          toRetire.map((o) => ({ attributes: o.attributes, properties: o.properties })),
        );
      // Only what a stopped deploy left to retire: shown, and nothing asked of the object itself.
      if (change.action === 'no-op' && applied?.retiring?.length)
        change = {
          action: 'update',
          changes: applied.retiring.map((o) => ({
            key: 'retiring',
            from: handler.contract.identity?.(o.properties) ?? o.attributes,
            to: '(deleted)',
            forcesReplacement: false,
          })),
          destroysData: applied.retiring.some(
            (o) => handler.deletionDestroysData?.({ id, type: r.type, path: r.path, ...o }) ?? false,
          ),
          recordOnly: true,
        };
      changes.set(id, change);
      reports.set(id, {
        ...base(id, r.path, r.type),
        action: change.action,
        // A create shows everything it brings; the handler's own changes stay what its apply reads.
        ...(change.action === 'create'
          ? { changes: plannedProperties(resolved, proxmoxKeyFor(handler, resolved)), listsProperties: true }
          : { changes: change.changes }),
        destroysData: change.destroysData,
        status: change.action === 'no-op' ? 'unchanged' : 'planned',
      });
    } catch (e) {
      if (isRefusal(e)) throw e;
      failures++;
      reports.set(id, {
        ...base(id, r.path, r.type),
        action: 'no-op',
        changes: [],
        destroysData: false,
        status: 'failed',
        ...failureFields(e, 'planning failed: '),
      });
    }
  }

  const deletions = new Map<string, ResourceState>();
  for (const [id, r] of Object.entries(state.state.resources).sort(byId)) {
    if (plan.resources[id]) continue;
    const handler = HANDLERS.get(r.type);
    const applied = { id, ...r };
    const destroysData = handler?.deletionDestroysData?.(applied) ?? false;
    // A retained disk refuses the whole run, before any write.
    handler?.checkDeletion?.(applied, options.deletionReason);
    deletions.set(id, r);
    reports.set(id, {
      ...base(id, r.path, r.type),
      action: 'delete',
      changes: [],
      destroysData,
      status: 'planned',
    });
  }
  await findOrphans(
    plan,
    state,
    ctx,
    resolve,
    observedAttributes,
    deletions,
    reports,
    options.deletionReason,
  );
  return { reports, changes, deletions, provisional, failures, retirements };
}

/**
 * Adds to the deletions what a deploy of this stack killed before recording
 * left live (a clone with its creation mark, a VM with its tags): neither
 * state nor the plan knows it, so nothing else would ever remove it, and
 * what it lives in (its pool) could not be deleted.
 */
async function findOrphans(
  plan: Plan,
  state: StateStore,
  ctx: HandlerContext,
  resolve: Resolve,
  observedAttributes: ReadonlyMap<string, Record<string, unknown>>,
  deletions: Map<string, ResourceState>,
  reports: Map<string, ResourceReport>,
  why: string,
): Promise<void> {
  const recorded = Object.entries(state.state.resources).map(([id, r]) => ({ id, ...r }));
  for (const handler of new Set(HANDLERS.values())) {
    if (!handler.findOrphans || !handler.liveIdOf) continue;
    const type = handler.contract.type;
    const ids = (properties: Readonly<Record<string, unknown>> | undefined) =>
      properties ? handler.liveIdOf!(properties) : undefined;
    const known = new Set(
      [
        ...recorded
          .filter((r) => r.type === type)
          .flatMap((r) => [r.attributes, ...(r.retiring ?? []).map((o) => o.attributes)]),
        ...Object.entries(plan.resources)
          .filter(([, r]) => r.type === type)
          .flatMap(([id]) => {
            const resolved = resolve(id);
            return [
              observedAttributes.get(id),
              resolved && typeof resolved === 'object' ? resolved : undefined,
            ];
          }),
      ]
        .map((p) => ids(p as Readonly<Record<string, unknown>> | undefined))
        .filter((v): v is string => v !== undefined),
    );
    for (const orphan of await handler.findOrphans(ctx, recorded, known)) {
      const { id, ...entry } = orphan;
      handler.checkDeletion?.(orphan, why);
      deletions.set(id, { ...entry, dependsOn: [...orphan.dependsOn] });
      reports.set(id, {
        stack: plan.stack,
        id,
        path: orphan.path,
        type,
        action: 'delete',
        changes: [],
        destroysData: handler.deletionDestroysData?.(orphan) ?? false,
        status: 'planned',
        note: 'left by a deploy that stopped before recording it',
      });
    }
  }
}

/**
 * A resource whose identity changed: the object the plan names now is made
 * (or brought up to date), then the one state recorded is deleted once
 * nothing uses it (refused like any deletion that must not happen: a
 * retained disk; data loss guarded).
 */
function retiring(
  handler: ResourceHandler,
  applied: AppliedResource,
  renamed: readonly PropertyChange[],
  change: ResourceChange,
): ResourceChange {
  handler.checkDeletion?.(applied, `giving it another ${renamed.map((c) => c.key).join(' and ')}`);
  return {
    action: 'replace',
    changes: [...renamed, ...(change.action === 'update' ? change.changes : [])],
    destroysData: handler.deletionDestroysData?.(applied) ?? false,
    retires: true,
  };
}

/** Refusals stop the whole run before any write: the operator must decide, not retry. */
function isRefusal(e: unknown): boolean {
  return e instanceof EngineError && (e.code === 'ENGINE_DISK_RETAINED' || e.code === 'ENGINE_NEEDS_REPLACE');
}

/**
 * The change once the operator's `--replace` is taken into account: a live
 * resource asked for becomes a replacement (refused like any deletion that
 * must not happen: a retained disk); a change that is made only when asked
 * (a disk to shrink) is refused without the ask (ENGINE_NEEDS_REPLACE).
 */
export function withAskedReplace(
  handler: ResourceHandler,
  resource: {
    readonly id: string;
    readonly type: string;
    readonly path: string;
    readonly properties: Readonly<Record<string, unknown>>;
    readonly applied: ResourceState | undefined;
    readonly observed: Observed | undefined;
  },
  change: ResourceChange,
  replace: ReadonlySet<string> | undefined,
): ResourceChange {
  const asked = replace?.has(resource.path) === true;
  if (!asked) {
    const reasons = change.changes.flatMap((c) => (c.replaceOnlyWhenAsked ? [c.replaceOnlyWhenAsked] : []));
    if (reasons.length)
      throw new EngineError(
        'ENGINE_NEEDS_REPLACE',
        `${resource.path}: ${reasons.join('; ')}; nothing was changed`,
        `keep the size the plan had, or replace it with a new one (its disks are created empty; the data is lost) with --replace ${resource.path} --allow-destroy-data`,
      );
    return change;
  }
  if (!resource.observed || change.action === 'create' || change.action === 'replace') return change;
  const applied: AppliedResource = {
    id: resource.id,
    type: resource.type,
    path: resource.path,
    attributes: resource.applied?.attributes ?? resource.observed.attributes,
    properties: resource.applied?.properties ?? resource.properties,
  };
  handler.checkDeletion?.(applied, 'replacing it (--replace)');
  return {
    action: 'replace',
    changes: [
      ...change.changes,
      propertyChange('(replace)', null, 'asked with --replace', { forcesReplacement: true }),
    ],
    destroysData: handler.deletionDestroysData?.(applied) ?? false,
  };
}

function describeObserved(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .filter(([k]) => ['vm_id', 'node_name', 'id', 'name'].includes(k))
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}
