import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BenchPartResult, type BenchResult, round } from './result.ts';
import { CUSTOMERS } from './synth-scale.ts';

const WORKER = fileURLToPath(new URL('./synth-worker.ts', import.meta.url));
const ROUNDS = 3;
/** The goals for 1,000 customers in one process. */
const GOAL_SECONDS = 2;
const GOAL_MIB = 500;

interface Measurement {
  readonly buildMs: number;
  readonly synthMs: number;
  readonly writeMs: number;
  /** CPU time (user and system) of synthesis and writing: what a busy machine does not inflate. */
  readonly synthCpuMs: number;
  readonly stacks: number;
  readonly peakRssMiB: number;
}

/** One worker process (tsx, as the CLI runs stack files from sources): its one JSON line. */
function measure(mode: 'build' | 'synth'): Measurement {
  const run = spawnSync(process.execPath, ['--import', 'tsx', WORKER, mode], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0)
    throw new Error(`bench: synth worker (${mode}) exited ${run.status}: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Measurement;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Synthesizing 1,000 customer stacks in one process: the synthesis (aspects,
 * validation, tokens, plans) and the writing of the plans, against building
 * the same construct tree without synthesis, in the same processes; and the
 * peak memory of a process that synthesizes, against one that only builds.
 * Processes alternate, so a busy machine weighs on both alike.
 */
export async function synthScale(): Promise<BenchPartResult> {
  const builds: Measurement[] = [];
  const synths: Measurement[] = [];
  measure('synth'); // warms the file cache and tsx's compile cache
  for (let i = 0; i < ROUNDS; i++) {
    builds.push(measure('build'));
    synths.push(measure('synth'));
  }
  const buildMs = median(synths.map((m) => m.buildMs));
  const synthMs = median(synths.map((m) => m.synthMs + m.writeMs));
  const synthOnlyMs = median(synths.map((m) => m.synthMs));
  const writeMs = median(synths.map((m) => m.writeMs));
  const cpuMs = median(synths.map((m) => m.synthCpuMs));
  const peak = median(synths.map((m) => m.peakRssMiB));
  const buildPeak = median(builds.map((m) => m.peakRssMiB));
  const stacks = synths[0]!.stacks;
  console.log(
    `\n${stacks} stacks: tree ${round(buildMs)} ms, synth ${round(synthOnlyMs)} ms, writing plans ${round(writeMs)} ms (CPU ${round(cpuMs)} ms), peak ${round(peak)} MiB (tree only: ${round(buildPeak)} MiB)`,
  );
  const results: BenchResult[] = [
    {
      name: `synth of ${CUSTOMERS} customer stacks: time`,
      value: round(synthMs / 1000, 3),
      unit: 's',
      baseline: round(buildMs / 1000, 3),
      ratio: round(synthMs / buildMs, 2),
      note: `synthesis ${round(synthOnlyMs)} ms + writing ${stacks} plans ${round(writeMs)} ms, ${round(cpuMs)} ms of CPU; baseline: building the same tree (${CUSTOMERS} customers of one server and two VPN users, and the platform) in the same process; medians of ${ROUNDS}`,
      goal: { text: `under ${GOAL_SECONDS} s`, met: synthMs / 1000 < GOAL_SECONDS },
    },
    {
      name: `synth of ${CUSTOMERS} customer stacks: peak memory`,
      value: round(peak),
      unit: 'MiB',
      baseline: round(buildPeak),
      ratio: round(peak / buildPeak, 2),
      note: `peak resident set of the process that builds, synthesizes and writes; baseline: a process that only builds the tree; medians of ${ROUNDS}`,
      goal: { text: `under ${GOAL_MIB} MiB`, met: peak < GOAL_MIB },
    },
  ];
  return { results, details: { builds, synths } };
}
