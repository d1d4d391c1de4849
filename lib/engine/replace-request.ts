import type { Plan } from '../contract/plan.ts';
import { EngineError } from './engine-errors.ts';
import { HANDLERS } from './handlers/index.ts';

/** How many leading characters two paths share. */
function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Checks the resources the operator asked to replace (`--replace <path>`)
 * before anything is read: each must be a resource of the stacks being
 * deployed, of a type whose handler replaces. A path that is not there is
 * refused with the nearest paths that are, so a typo never deploys without
 * the replacement that was asked for.
 */
export function checkReplaceRequests(paths: readonly string[], plans: readonly Plan[]): ReadonlySet<string> {
  const resources = plans.flatMap((p) => Object.values(p.resources));
  for (const path of paths) {
    const found = resources.find((r) => r.path === path);
    if (!found) {
      const nearest = resources
        .map((r) => r.path)
        .sort((a, b) => sharedPrefix(path, b) - sharedPrefix(path, a) || (a < b ? -1 : 1))
        .slice(0, 3);
      throw new EngineError(
        'ENGINE_INVALID_OPTION',
        `--replace ${path}: no resource of the stacks being deployed has this path${nearest.length ? `; the nearest are ${nearest.join(', ')}` : ''}`,
        'give the path as diff shows it (stack/construct/.../resource)',
      );
    }
    if (HANDLERS.get(found.type)?.replaceable !== true)
      throw new EngineError(
        'ENGINE_INVALID_OPTION',
        `--replace ${path}: pvecdk does not replace a ${found.type}; only VMs and files are replaced on request`,
        'to make it anew, remove it from the stack, deploy, then add it back and deploy again',
      );
  }
  return new Set(paths);
}
