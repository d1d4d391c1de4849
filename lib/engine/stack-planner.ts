import type { Plan } from '../core/plan.ts';
import { deletionDestroysData } from './deletion.ts';
import type { ResourceReport } from './deploy-report.ts';
import { EngineError } from './engine-errors.ts';
import { type DesiredResource, HANDLERS, type HandlerContext, type PlannedChange } from './handlers/index.ts';
import { KNOWN_AFTER_APPLY } from './references.ts';
import type { ResourceState, StateStore } from './state-store.ts';

/** Everything a stack's deploy will do, decided before the first write. */
export interface StackPlan {
  readonly reports: Map<string, ResourceReport>;
  /** Per plan resource with a handler: what changes. */
  readonly changes: Map<string, PlannedChange>;
  /** Resources the state has and the plan no longer does: deleted by this deploy. */
  readonly deletions: Map<string, ResourceState>;
  /** Resources that could not be planned (unreadable, not ours): nothing is written when any exist. */
  readonly failures: number;
}

const byId = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads and diffs every resource of one stack. Resources whose references are
 * not known yet plan a create without reading; resources the live system has
 * but another owner holds are failures, never adopted.
 */
export async function planStack(
  plan: Plan,
  state: StateStore,
  ctx: HandlerContext,
  desired: (id: string) => DesiredResource,
): Promise<StackPlan> {
  const stack = plan.stack;
  const reports = new Map<string, ResourceReport>();
  const changes = new Map<string, PlannedChange>();
  let failures = 0;
  const base = (id: string, path: string, type: string) => ({ stack, id, path, type });

  for (const [id, r] of Object.entries(plan.resources).sort(byId)) {
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
      let change: PlannedChange;
      if (JSON.stringify(resource.properties).includes(KNOWN_AFTER_APPLY)) {
        // Something it refers to does not exist yet, so neither can it.
        change = { action: 'create', changes: [], destroysData: false };
      } else {
        const observed = await handler.read(ctx, resource);
        const owner = observed?.ownership;
        if (owner && (owner.kind === 'other' || owner.kind === 'foreign')) {
          throw new EngineError(
            'ENGINE_NOT_OWNED',
            `${r.path}: ${owner.kind === 'other' ? `the live object belongs to stack ${owner.stack}` : 'the live object was not created by pvecdk'} (${describeObserved(observed.attributes)}); pvecdk will not take it over`,
            'give this resource another id in the stack, or remove the existing object; to adopt it on purpose, tag it with the stack ownership tags',
          );
        }
        change = handler.plan(resource, observed);
      }
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
        error: `planning failed: ${message(e)}`,
      });
    }
  }

  const deletions = new Map<string, ResourceState>();
  for (const [id, r] of Object.entries(state.state.resources).sort(byId)) {
    if (plan.resources[id]) continue;
    deletions.set(id, r);
    reports.set(id, {
      ...base(id, r.path, r.type),
      action: 'delete',
      changes: [],
      destroysData: deletionDestroysData(r),
      status: 'planned',
    });
  }
  return { reports, changes, deletions, failures };
}

function describeObserved(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .filter(([k]) => ['vm_id', 'node_name', 'id', 'name'].includes(k))
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}
