import { relative } from 'node:path';
import type { Assembly } from '../../core/synthesizer.ts';
import { writeAssembly } from '../../core/synthesizer.ts';
import { type IdentityRecordUpdate, updateIdentityRecord } from '../identity-record.ts';
import { acknowledgedLines } from '../output/acknowledged.ts';
import type { LoadedStackFile } from '../stack-file.ts';

export interface SynthResult {
  readonly assembly: Assembly;
  readonly outdir: string;
  readonly files: readonly string[];
  /** What this run added to or let go from pvecdk.identities.json. */
  readonly identities?: IdentityRecordUpdate;
}

/** Synthesizes the app a stack file built (its stacks and the stacks they depend on) into `outdir`. */
export function synthStackFile(loaded: LoadedStackFile, outdir: string): SynthResult {
  const assembly = loaded.app.synth({ write: false });
  // The record first: with --frozen a change refuses the run before any plan is written.
  const identities = updateIdentityRecord(loaded, loaded.cwd);
  const files = writeAssembly(assembly, outdir);
  return { assembly, outdir, files, ...(identities ? { identities } : {}) };
}

export function formatSynthResult(result: SynthResult, cwd: string): string {
  const lines: string[] = [];
  for (const w of result.assembly.warnings) lines.push(`warning [${w.path}] ${w.message}`);
  const plans = [...result.assembly.plans.values()];
  lines.push(
    `Synthesized ${plans.length} stack${plans.length === 1 ? '' : 's'} into ${relative(cwd, result.outdir) || '.'}/`,
  );
  for (const plan of plans.sort((a, b) => (a.stack < b.stack ? -1 : 1))) {
    const n = Object.keys(plan.resources).length;
    const deps = plan.dependsOn.length ? `, after ${plan.dependsOn.join(', ')}` : '';
    lines.push(`  ${plan.stack.padEnd(16)} ${String(n).padStart(4)} resources → ${plan.remote}${deps}`);
  }
  for (const f of result.files) lines.push(`  wrote ${relative(cwd, f)}`);
  lines.push(...acknowledgedLines(result.assembly.acknowledged, cwd));
  if (result.identities) {
    lines.push(`  updated ${relative(cwd, result.identities.path)} (commit it):`);
    for (const c of result.identities.changes) lines.push(`    ${c}`);
  }
  return lines.join('\n');
}
