import type { Violation } from './invariants.ts';
import type { SoakOptions } from './options.ts';
import type { SoakTally } from './tally.ts';

export interface SoakSummaryInput {
  readonly options: SoakOptions;
  readonly tally: SoakTally;
  readonly faults: Readonly<Record<string, number>>;
  readonly violations: readonly Violation[];
  /** The round that broke an invariant, if one did. */
  readonly failedRound: number | undefined;
  readonly seconds: number;
  readonly projectDir: string;
}

const counts = (r: Readonly<Record<string, number>>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** The soak's closing report; on a violation, the seed and the command that replays the run to that round. */
export function formatSummary(s: SoakSummaryInput): string {
  const t = s.tally;
  const ops = Object.values(t.operations).reduce((a, b) => a + b, 0);
  const failures = t.outcomes.failed + t.outcomes.killed + t.outcomes.hung;
  const lines = [
    '',
    `soak summary (seed ${s.options.seed}, ${s.seconds} s)`,
    `  rounds:               ${t.rounds}`,
    `  operations:           ${ops} (${counts(t.operations)})`,
    `  outcomes:             ${counts(t.outcomes)}`,
    `  faults injected:      ${counts(s.faults)}`,
    `  failures recovered:   ${t.recoveredFailures} of ${failures} (failed, killed or hung operations whose round converged)`,
    `  invariant violations: ${s.violations.length}`,
  ];
  if (s.violations.length > 0) {
    lines.push(`  in round ${s.failedRound}:`);
    for (const v of s.violations) lines.push(`    ${v.kind}: ${v.detail}`);
    lines.push(
      `  seed ${s.options.seed}; replay: npm run soak -- --seed ${s.options.seed} --rounds ${s.failedRound} --seconds 86400 --latency-scale ${s.options.latencyScale} --max-customers ${s.options.maxCustomers}${s.options.parallel ? ' --parallel' : ''}`,
      `  the project (stack files, state, logs/ with every CLI run's output) is kept in ${s.projectDir}`,
    );
  }
  return lines.join('\n');
}
