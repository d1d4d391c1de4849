import type { PropertyChange, ResourceHandler } from './handlers/handler.ts';

/**
 * The parts of a resource's identity (what names its live object: a pool's
 * id, a VM's id, a bridge's node and name) that differ between what state
 * recorded of the plan and what the plan says now, as changes that force a
 * replacement; undefined when it names the same object. Both sides are plan
 * properties as written (references unresolved), so a reference that still
 * points at the same attribute is the same identity.
 */
export function identityChanges(
  handler: ResourceHandler,
  recorded: Readonly<Record<string, unknown>>,
  planned: Readonly<Record<string, unknown>>,
): PropertyChange[] | undefined {
  const identity = handler.contract.identity;
  if (!identity) return undefined;
  const before = identity(recorded);
  const after = identity(planned);
  const changes = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .sort()
    .filter((key) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null))
    .map((key) => ({ key, from: before[key] ?? null, to: after[key] ?? null, forcesReplacement: true }));
  return changes.length ? changes : undefined;
}
