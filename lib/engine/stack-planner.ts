import type { Plan } from '../core/plan.ts';
import { deletionDestroysData } from './deletion.ts';
import { failureFields, type ResourceReport } from './deploy-report.ts';
import { EngineError } from './engine-errors.ts';
import { type DesiredResource, HANDLERS, type HandlerContext, type PlannedChange } from './handlers/index.ts';
import { refuseRetained, retainedDisks } from './handlers/vm-disk-lifecycle.ts';
import { KNOWN_AFTER_APPLY } from './references.ts';
import type { ResourceState, StateStore } from './state-store.ts';

/** Everything a stack's deploy will do, decided before the first write. */
export interface StackPlan {
  readonly reports: Map<string, ResourceReport>;
  /** Per plan resource with a handler: what changes. */
  readonly changes: Map<string, PlannedChange>;
  /** Resources the state has and the plan no longer does: deleted by this deploy. */
  readonly deletions: Map<string, ResourceState>;
  /** Planned with references not known yet: planned again, with every value known, when they are applied. */
  readonly provisional: ReadonlySet<string>;
  /** Resources that could not be planned (unreadable, not ours): nothing is written when any exist. */
  readonly failures: number;
}

const byId = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Reads and diffs every resource of one stack, dependencies first, filling
 * `observedAttributes` as it goes so references resolve from what is live
 * when the state does not have them. Resources the live system has but
 * another owner holds are failures, never adopted.
 */
export async function planStack(
  plan: Plan,
  state: StateStore,
  ctx: HandlerContext,
  desired: (id: string) => DesiredResource,
  observedAttributes: Map<string, Record<string, unknown>>,
): Promise<StackPlan> {
  const stack = plan.stack;
  const reports = new Map<string, ResourceReport>();
  const changes = new Map<string, PlannedChange>();
  const provisional = new Set<string>();
  let failures = 0;
  const base = (id: string, path: string, type: string) => ({ stack, id, path, type });

  for (const id of dependencyOrder(plan)) {
    const r = plan.resources[id]!;
    const handler = HANDLERS.get(r.type);
    if (!handler) {
      reports.set(id, {
        ...base(id, r.path, r.type),
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
    try {
      const resource = desired(id);
      // Something it refers to is not known yet: what is read now is a guess, decided again at apply.
      const unknown = JSON.stringify(resource.properties).includes(KNOWN_AFTER_APPLY);
      if (unknown) provisional.add(id);
      const observed = await handler.read(ctx, resource).catch((e: unknown) => {
        if (unknown) return undefined;
        throw e;
      });
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
      const change = handler.plan(resource, observed, state.state.resources[id]?.properties);
      changes.set(id, change);
      reports.set(id, {
        ...base(id, r.path, r.type),
        action: change.action,
        changes: change.changes,
        destroysData: change.destroysData,
        status: change.action === 'no-op' ? 'unchanged' : 'planned',
      });
    } catch (e) {
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
    if (r.type === 'proxmox_virtual_environment_vm') {
      try {
        refuseRetained(r.path, retainedDisks(r.properties, undefined), 'removing the VM from the plan');
      } catch (e) {
        failures++;
        reports.set(id, {
          ...base(id, r.path, r.type),
          action: 'delete',
          changes: [],
          destroysData: true,
          status: 'failed',
          ...failureFields(e, 'planning failed: '),
        });
        continue;
      }
    }
    deletions.set(id, r);
    reports.set(id, {
      ...base(id, r.path, r.type),
      action: 'delete',
      changes: [],
      destroysData: deletionDestroysData(r),
      status: 'planned',
    });
  }
  return { reports, changes, deletions, provisional, failures };
}

function describeObserved(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .filter(([k]) => ['vm_id', 'node_name', 'id', 'name'].includes(k))
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}

/** Plan resources with each after what it depends on (ties by id): references resolve in this order. */
function dependencyOrder(plan: Plan): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id) || !plan.resources[id]) return;
    seen.add(id);
    for (const d of [...plan.resources[id].dependsOn].sort()) visit(d);
    order.push(id);
  };
  for (const id of Object.keys(plan.resources).sort()) visit(id);
  return order;
}
