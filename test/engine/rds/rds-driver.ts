import type { App } from '../../../lib/core/index.ts';
import type {
  AppliedResource,
  HandlerContext,
  ResourceHandler,
} from '../../../lib/engine/handlers/handler.ts';
import { rdsShortcutHandler } from '../../../lib/engine/handlers/rds-shortcut-handler.ts';
import { rdsUserHandler } from '../../../lib/engine/handlers/rds-user-handler.ts';
import type { FakeWindowsHost } from './fake-windows-host.ts';

/**
 * Just enough of the engine for the RDS handlers' tests: the RDS resources of
 * a synthesized stack with the RDS VM's references resolved, walked as the
 * engine walks them (read, diff, apply; what left the plan deleted, shortcuts
 * before accounts), with state as a map.
 */
export const RDS_VM = { vm_id: 110, node_name: 'pve1' };
const HANDLERS = new Map<string, ResourceHandler>([
  ['pvecdk_rds_user', rdsUserHandler as unknown as ResourceHandler],
  ['pvecdk_rds_shortcut', rdsShortcutHandler as unknown as ResourceHandler],
]);
const ORDER = ['pvecdk_rds_user', 'pvecdk_rds_shortcut'];

export interface PlannedRds {
  readonly id: string;
  readonly type: string;
  readonly path: string;
  readonly properties: Record<string, unknown>;
}

/** The RDS accounts and shortcuts of one stack of `app`. */
export function rdsResources(app: App, stack: string): PlannedRds[] {
  const plan = app.synth({ write: false }).plans.get(stack)!;
  return Object.entries(plan.resources)
    .filter(([, r]) => HANDLERS.has(r.type))
    .map(([id, r]) => ({
      id,
      type: r.type,
      path: r.path,
      properties: r.properties as Record<string, unknown>,
    }))
    .sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type) || a.id.localeCompare(b.id));
}

export type RdsState = Map<string, AppliedResource>;

export interface Outcome {
  readonly path: string;
  readonly action: string;
  readonly keys: readonly string[];
}

export function context(host: FakeWindowsHost, options: { allowDestroyData?: boolean } = {}) {
  const notices: string[] = [];
  const ctx: HandlerContext = {
    api: undefined as never,
    inventory: [{ type: 'qemu', vmid: RDS_VM.vm_id, node: RDS_VM.node_name, status: 'running' } as never],
    stack: 'test',
    secrets: { resolve: (ref: string) => `pw-of-${ref}!Aa1` },
    guests: host.transport(),
    notify: (m) => notices.push(m),
    ...(options.allowDestroyData ? { allowDestroyData: true } : {}),
  };
  return { ctx, notices };
}

function desired(r: PlannedRds) {
  const handler = HANDLERS.get(r.type)!;
  const target = { ...(r.properties.target as Record<string, unknown>), ...RDS_VM };
  return {
    id: r.id,
    type: r.type,
    path: r.path,
    props: handler.contract.plan.parse({ ...r.properties, target }),
  };
}

/** What a diff would show, resource by resource (no-ops included). */
export async function diff(ctx: HandlerContext, resources: readonly PlannedRds[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const r of resources) {
    const handler = HANDLERS.get(r.type)!;
    const d = desired(r);
    const change = handler.diff(d, await handler.read(ctx, d));
    out.push({ path: r.path, action: change.action, keys: change.changes.map((c) => c.key) });
  }
  return out;
}

/** Deploys `resources` of one stack whose state is `state`: applies what differs, deletes what left. */
export async function deploy(
  ctx: HandlerContext,
  state: RdsState,
  resources: readonly PlannedRds[],
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const leaving = [...state.values()]
    .filter((a) => !resources.some((r) => r.id === a.id))
    .sort((a, b) => ORDER.indexOf(b.type) - ORDER.indexOf(a.type));
  for (const a of leaving) {
    await HANDLERS.get(a.type)!.delete(ctx, a);
    state.delete(a.id);
    out.push({ path: a.path, action: 'delete', keys: [] });
  }
  for (const r of resources) {
    const handler = HANDLERS.get(r.type)!;
    const d = desired(r);
    const observed = await handler.read(ctx, d);
    const change = handler.diff(d, observed);
    out.push({ path: r.path, action: change.action, keys: change.changes.map((c) => c.key) });
    if (change.action === 'no-op') {
      if (!state.has(r.id))
        state.set(r.id, {
          id: r.id,
          type: r.type,
          path: r.path,
          attributes: { guest: (d.props as { target: unknown }).target },
          properties: r.properties,
        });
      continue;
    }
    const attributes = await handler.apply(ctx, d, change, observed);
    state.set(r.id, { id: r.id, type: r.type, path: r.path, attributes, properties: r.properties });
  }
  return out;
}
