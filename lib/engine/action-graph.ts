import type { Plan } from '../contract/plan.ts';
import { desiredResource } from './desired-resource.ts';
import { EngineError } from './engine-errors.ts';
import type { WalkNode } from './graph-walker.ts';
import { HANDLERS } from './handlers/index.ts';
import type { StackChanges } from './stack-diff.ts';
import type { StateStore } from './state-store.ts';
import { hasUnknowns } from './unknown.ts';

/** What one node of a stack's walk does. */
export type ActionPayload =
  | { readonly kind: 'resource'; readonly id: string; attempt: number }
  | { readonly kind: 'delete'; readonly id: string }
  | { readonly kind: 'retire'; readonly id: string }
  | { readonly kind: 'staged'; readonly group: string; readonly type: string };

/**
 * The walk of one stack: changed resources after what they depend on;
 * deletions after the resources that used them were changed, dependants
 * first; one apply per staged group (a node's network) after every change
 * in it, before what uses them.
 */
export function actionGraph(
  plan: Plan,
  state: StateStore,
  changes: StackChanges,
  resolve: (id: string) => unknown,
  locksOf: (id: string) => () => readonly string[],
): WalkNode<ActionPayload>[] {
  const changed = new Set([...changes.changes].filter(([, c]) => c.action !== 'no-op').map(([id]) => id));
  const groupOf = new Map<string, { group: string; type: string }>();
  for (const id of changed) {
    const r = plan.resources[id]!;
    const handler = HANDLERS.get(r.type)!;
    if (!handler.staging) continue;
    const resolved = resolve(id);
    if (hasUnknowns(resolved))
      throw new EngineError(
        'ENGINE_CANNOT_APPLY',
        `${r.path}: its changes are staged per ${r.type} group, and what decides the group is not known before deploy`,
        'give it literal values for what places it (the node), not references',
      );
    groupOf.set(id, {
      group: handler.staging.groupOf(desiredResource(handler, id, r, resolved).props),
      type: r.type,
    });
  }
  for (const [id, r] of changes.deletions) {
    const staging = HANDLERS.get(r.type)?.staging;
    if (staging) groupOf.set(id, { group: staging.groupOfApplied({ id, ...r }), type: r.type });
  }
  for (const [id, objects] of changes.retirements) {
    const r = plan.resources[id]!;
    const staging = HANDLERS.get(r.type)?.staging;
    // Deleting an old bridge is staged too: the node's apply comes after it.
    for (const old of staging ? objects : [])
      groupOf.set(`retire:${id}`, {
        group: staging!.groupOfApplied({ id, type: r.type, path: r.path, ...old }),
        type: r.type,
      });
  }

  const nodes: WalkNode<ActionPayload>[] = [];
  for (const id of changed) {
    const deps = plan.resources[id]!.dependsOn.filter((d) => changed.has(d)).map(
      (d) => groupOf.get(d)?.group ?? d,
    );
    nodes.push({
      id,
      dependsOn: [...new Set(deps)],
      locks: locksOf(id),
      payload: { kind: 'resource', id, attempt: 0 },
    });
  }
  for (const [id] of changes.deletions) {
    const usedBy = [
      // Removed resources that depended on it go first...
      ...[...changes.deletions].filter(([, r]) => r.dependsOn.includes(id)).map(([other]) => other),
      // ...and so do the kept resources that used it and are changing to stop using it.
      ...[...changed].filter((c) => state.state.resources[c]?.dependsOn.includes(id)),
    ];
    nodes.push({ id, dependsOn: [...new Set(usedBy)], payload: { kind: 'delete', id } });
  }
  for (const [id] of changes.retirements) {
    // After the object is made anew and what used the old one moved off it.
    const usedBy = [...changed].filter((c) => c === id || state.state.resources[c]?.dependsOn.includes(id));
    nodes.push({ id: `retire:${id}`, dependsOn: usedBy, payload: { kind: 'retire', id } });
  }
  const members = new Map<string, { type: string; ids: string[] }>();
  for (const [id, { group, type }] of groupOf) {
    const entry = members.get(group) ?? { type, ids: [] };
    entry.ids.push(id);
    members.set(group, entry);
  }
  for (const [group, { type, ids }] of members)
    nodes.push({ id: group, dependsOn: ids.sort(), payload: { kind: 'staged', group, type } });
  return nodes;
}
