import type { Plan, PlanResource } from '../contract/plan.ts';
import { type MatchResult, show } from './match-result.ts';

const MAX_LINES = 20;

/** "No resource of this type", with the types the plan does have. */
export function missingTypeReport(type: string, plan: Plan): string {
  const counts = new Map<string, number>();
  for (const r of Object.values(plan.resources)) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const present = [...counts].sort().map(([t, n]) => `${t} (${n})`);
  return `Template has no resources of type ${type}. ${present.length ? `Types present: ${present.join(', ')}.` : 'The plan has no resources.'}`;
}

/**
 * None matched: show the pattern, then the candidate with the fewest
 * mismatches (ties broken by logical id) and every path where it differs.
 */
export function closestCandidateReport(
  type: string,
  pattern: unknown,
  what: string,
  results: ReadonlyArray<{ id: string; resource: PlanResource; result: MatchResult }>,
): string {
  const sorted = [...results].sort(
    (a, b) => a.result.failures.length - b.result.failures.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const best = sorted[0]!;
  const lines = best.result.toLines();
  const shown = lines.slice(0, MAX_LINES);
  if (lines.length > MAX_LINES) shown.push(`... and ${lines.length - MAX_LINES} more`);
  return [
    `Template has ${results.length} resource${results.length === 1 ? '' : 's'} of type ${type}, but none match.`,
    `Looked for ${what}: ${show(pattern, 300)}`,
    `The closest candidate is ${best.id} (${best.resource.path}), with ${lines.length} mismatch${lines.length === 1 ? '' : 'es'}:`,
    ...shown.map((l) => `  ${l}`),
  ].join('\n');
}
