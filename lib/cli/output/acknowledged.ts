import type { LocatedAcknowledgedFinding } from '../../core/synthesizer.ts';
import { shownLocation } from './error-output.ts';

/**
 * Findings an acknowledgement accepted, as synth and diff list them: each
 * exception stays visible in every run, with who accepted it and why.
 */
export function acknowledgedLines(findings: readonly LocatedAcknowledgedFinding[], cwd: string): string[] {
  if (!findings.length) return [];
  const lines = [`Acknowledged (${findings.length}, accepted in the stack files, not errors):`];
  for (const f of findings) {
    const where = f.location ? `${shownLocation(f.location, cwd)}: ` : '';
    lines.push(`  ${where}[${f.path}] ${f.message} (${f.rule})`);
    lines.push(`      acknowledged on ${f.acknowledgement.path || '<app>'}: ${f.acknowledgement.reason}`);
  }
  return lines;
}

/** The same for `--json`: locations as `file:line` relative to the working directory. */
export function acknowledgedAsJson(
  findings: readonly LocatedAcknowledgedFinding[],
  cwd: string,
): Record<string, unknown>[] {
  return findings.map(({ location, ...rest }) => ({
    ...rest,
    ...(location ? { location: shownLocation(location, cwd) } : {}),
  }));
}

/** The findings about the stacks given: what a diff or deploy of them shows. */
export function acknowledgedIn(
  findings: readonly LocatedAcknowledgedFinding[],
  stacks: readonly string[],
): LocatedAcknowledgedFinding[] {
  return findings.filter((f) => stacks.includes(f.path.split('/')[0]!));
}
