import type { Plan } from '../contract/plan.ts';
import { isPlanSecret } from '../contract/plan-values.ts';
import { PvecdkError } from '../core/errors.ts';
import { EngineError } from './engine-errors.ts';
import type { HandlerContext } from './handlers/handler.ts';
import type { StackChanges } from './stack-diff.ts';

/** Every secret reference in a property tree, with the key path it sits at. */
function secretsIn(value: unknown, at = ''): Array<{ key: string; reference: string }> {
  if (isPlanSecret(value)) return [{ key: at, reference: value.secret }];
  if (Array.isArray(value)) return value.flatMap((v, i) => secretsIn(v, `${at}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => secretsIn(v, at ? `${at}.${k}` : k));
  return [];
}

/**
 * Resolves, before the run writes anything, every secret the resources it
 * will create or change reference: an environment variable that is not set
 * or a file that cannot be read refuses the run (naming each resource, key
 * and reference, never a value) instead of failing half-way, or worse,
 * leaving the setting out. Generated secrets are made here if they are new.
 */
export function resolvePlannedSecrets(
  plans: ReadonlyMap<string, { readonly plan: Plan; readonly changes: StackChanges }>,
  secrets: HandlerContext['secrets'],
): void {
  const problems: Array<{ where: string; error: unknown }> = [];
  for (const { plan, changes } of plans.values()) {
    for (const [id, change] of changes.changes) {
      if (change.action === 'no-op' || change.recordOnly) continue;
      const resource = plan.resources[id]!;
      for (const { key, reference } of secretsIn(resource.properties)) {
        const where = `${resource.path}: ${key} (${reference})`;
        if (!secrets) {
          problems.push({ where, error: undefined });
          continue;
        }
        try {
          secrets.resolve(reference);
        } catch (error) {
          problems.push({ where, error });
        }
      }
    }
  }
  if (problems.length === 0) return;
  if (!secrets)
    throw new EngineError(
      'ENGINE_NO_SECRET_STORE',
      `these settings are secrets, and this run has no secret store to read them from: ${problems.map((p) => p.where).join('; ')}`,
      'deploy with the CLI, which opens the secret store',
    );
  const first = problems[0]!.error;
  const detail = (e: unknown) => (e instanceof Error ? e.message : String(e));
  throw new PvecdkError(
    first instanceof PvecdkError ? first.code : 'SECRET_FILE_UNREADABLE',
    `secrets the deploy needs cannot be read, so nothing was changed: ${problems.map((p) => `${p.where}: ${detail(p.error)}`).join('; ')}`,
    first instanceof PvecdkError ? first.hint : undefined,
  );
}
