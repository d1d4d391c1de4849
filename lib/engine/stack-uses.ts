import type { Plan } from '../contract/plan.ts';
import { isPlanReference } from '../contract/plan-values.ts';
import type { StateBackend, StoredStack } from './backends/state-backend.ts';
import type { StackUse, StateStore } from './state-store.ts';

export type { StackUse } from './state-store.ts';

/**
 * What a stack uses of other stacks, found in its plan: every cross-stack
 * reference (`{"ref": "platform:RdsGuestVm…", "attr": "vm_id"}`) and every
 * use by value its constructs recorded (`uses`: a shortcut holding another
 * customer's server address). Each deploy records them in the stack's state,
 * so `destroy` of the used stack can name who still points at it, and `ls`
 * can show which stacks depend on which, from what was deployed.
 */

/** The uses of other stacks in `plan`; `plans` (when known) turns referenced logical ids into paths. */
export function crossStackUses(plan: Plan, plans?: ReadonlyMap<string, Plan>): StackUse[] {
  const uses = new Map<string, StackUse>();
  const add = (use: StackUse) => uses.set(JSON.stringify(use), use);
  for (const resource of Object.values(plan.resources)) {
    const walk = (value: unknown, key: string): void => {
      if (isPlanReference(value)) {
        const colon = value.ref.indexOf(':');
        if (colon < 0) return;
        const stack = value.ref.slice(0, colon);
        const id = value.ref.slice(colon + 1);
        add({
          stack,
          path: plans?.get(stack)?.resources[id]?.path ?? id,
          attr: value.attr,
          by: resource.path,
          type: resource.type,
          property: key,
        });
      } else if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, `${key}[${i}]`);
      } else if (value !== null && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}.${k}` : k);
    };
    walk(resource.properties, '');
  }
  for (const u of plan.uses ?? []) {
    const resource = plan.resources[u.resource];
    add({
      stack: u.stack,
      path: u.path,
      by: resource?.path ?? u.resource,
      type: resource?.type ?? 'unknown',
      property: u.property,
    });
  }
  return [...uses.values()].sort((a, b) => order(a).localeCompare(order(b)));
}

const order = (u: StackUse) => `${u.stack}\u0000${u.path}\u0000${u.by}\u0000${u.property}`;

/** Records in a deployed stack's state what its plan uses of other stacks, when that changed. */
export async function recordStackUses(
  state: StateStore,
  plan: Plan,
  plans: ReadonlyMap<string, Plan>,
): Promise<void> {
  const uses = crossStackUses(plan, plans);
  if (JSON.stringify(state.state.uses ?? []) !== JSON.stringify(uses)) await state.setUses(uses);
}

/** A deployed stack that uses another, from its state. */
export interface StackUser {
  /** The stack that uses. */
  readonly stack: string;
  /** The stack file that deployed it, when state records it. */
  readonly file: string | undefined;
  readonly uses: readonly StackUse[];
}

/**
 * The deployed stacks of `remote` (other than `stacks` themselves) whose
 * state records a use of one of `stacks`: what destroying them would leave
 * pointing at nothing. Read through the remote's state backend (local files
 * or PostgreSQL), so every operator sees the same. Only what deploys
 * recorded counts: a stack declared but not deployed points at nothing yet.
 */
export async function deployedUsersOf(
  backend: StateBackend,
  remote: string,
  stacks: readonly string[],
): Promise<StackUser[]> {
  const wanted = new Set(stacks);
  const users: StackUser[] = [];
  let stored: StoredStack[];
  try {
    stored = await backend.list();
  } catch {
    return []; // A state that does not read is reported by the command that uses it, not by this warning.
  }
  const names = stored
    .filter((s) => s.remote === remote && s.resources > 0 && !wanted.has(s.stack))
    .map((s) => s.stack)
    .sort();
  for (const name of names) {
    let state: StateStore['state'];
    try {
      state = (await backend.open(remote, name)).state;
    } catch {
      continue; // A state that does not read is another stack's problem, reported when it deploys.
    }
    const uses = (state.uses ?? []).filter((u) => wanted.has(u.stack));
    if (uses.length) users.push({ stack: name, file: state.origin?.file, uses });
  }
  return users;
}
