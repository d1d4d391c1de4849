import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type BenchPartResult, type BenchResult, round } from './result.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin/pvecdk.mjs');
const RUNS = 7;

/** The goals, stated against `node -e 0` (0.10 s when they were set): 0.8 s and 0.2 s. */
const SYNTH_GOAL = 8;
const VERSION_GOAL = 2;

interface Command {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
}

/** Wall time of one fresh process, start to exit, in seconds; a failed run stops the bench. */
function timeOnce(command: Command): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [...command.args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', PVECDK_TYPESCRIPT: '', ...command.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`bench: ${command.name} exited ${run.status}: ${run.stderr.trim()}`);
  return seconds;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** The newest modification time of a .ts file under lib/, to tell whether dist/ is current. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  const compiled = join(ROOT, 'dist/cli/main.js');
  let builtAt = 0;
  try {
    builtAt = statSync(compiled).mtimeMs;
  } catch {
    // Not built yet.
  }
  if (builtAt > newestSource(join(ROOT, 'lib'))) return;
  console.log('building dist/ (npm run build) for the compiled CLI');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('bench: the build failed');
}

/**
 * Cold starts of the CLI as an installed package runs it (the library precompiled in dist/,
 * only the stack files compiled at load), each a fresh process, against `node -e 0` measured
 * in the same rounds: the commands take turns, so a busy machine weighs on all of them alike.
 * The CLI from sources (tsx compiling the whole library, how this repository runs it) is shown
 * beside, without a goal.
 */
export async function coldStart(): Promise<BenchPartResult> {
  ensureBuilt();
  const out = mkdtempSync(join(tmpdir(), 'pvecdk-bench-cold-'));
  const compiled = { PVECDK_COMPILED: '1' };
  const commands: Command[] = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'pvecdk --version', args: [BIN, '--version'], env: compiled },
    {
      name: 'pvecdk synth stacks/acme.ts',
      args: [BIN, 'synth', 'stacks/acme.ts', '--out', out],
      env: compiled,
    },
    {
      name: 'pvecdk synth stacks/acme.ts (from sources)',
      args: [BIN, 'synth', 'stacks/acme.ts', '--out', out],
    },
  ];
  // Where Node strips types itself, its type stripping (PVECDK_TYPESCRIPT=node) is shown beside tsx.
  const nodeStrips = Boolean((process.features as { readonly typescript?: string | false }).typescript);
  if (nodeStrips)
    commands.push({
      name: 'pvecdk synth stacks/acme.ts (PVECDK_TYPESCRIPT=node)',
      args: [BIN, 'synth', 'stacks/acme.ts', '--out', out],
      env: { ...compiled, PVECDK_TYPESCRIPT: 'node' },
    });
  for (const c of commands) timeOnce(c); // warms the file cache: "cold" is a new process, not a cold disk
  const times = new Map(commands.map((c) => [c.name, [] as number[]]));
  for (let round = 0; round < RUNS; round++) for (const c of commands) times.get(c.name)!.push(timeOnce(c));
  const medians = new Map([...times].map(([name, xs]) => [name, median(xs)]));
  const baseline = medians.get('node -e 0')!;
  const result = (name: string, goal?: { ratio: number; text: string }): BenchResult => {
    const value = medians.get(name)!;
    const ratio = value / baseline;
    return {
      name: `cold ${name}`,
      value: round(value, 3),
      unit: 's',
      baseline: round(baseline, 3),
      ratio: round(ratio, 2),
      note: `median of ${RUNS} fresh processes, node -e 0 in the same rounds: ${round(baseline, 3)} s`,
      ...(goal ? { goal: { text: goal.text, met: ratio < goal.ratio } } : {}),
    };
  };
  return {
    results: [
      result('pvecdk synth stacks/acme.ts', {
        ratio: SYNTH_GOAL,
        text: `under ${SYNTH_GOAL}× node -e 0 (0.8 s at 0.10 s)`,
      }),
      result('pvecdk --version', {
        ratio: VERSION_GOAL,
        text: `under ${VERSION_GOAL}× node -e 0 (0.2 s at 0.10 s)`,
      }),
      result('pvecdk synth stacks/acme.ts (from sources)'),
      ...(nodeStrips ? [result('pvecdk synth stacks/acme.ts (PVECDK_TYPESCRIPT=node)')] : []),
    ],
    details: Object.fromEntries([...times].map(([name, xs]) => [name, xs.map((x) => round(x, 3))])),
  };
}
