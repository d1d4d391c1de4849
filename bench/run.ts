import { mkdirSync, writeFileSync } from 'node:fs';
import { cloneThroughput } from './clone-throughput.ts';
import { coldStart } from './cold-start.ts';
import { clusterResourcesLatency, requestThroughput } from './emulator.ts';
import { deployCriticalPath } from './engine-deploy.ts';
import { noOpRedeploy } from './engine-redeploy.ts';
import type { BenchPartResult, BenchResult } from './result.ts';
import { synthScale } from './synth.ts';

/**
 * Benchmarks report ratios against a baseline measured in the same run on
 * the same machine, never absolute thresholds. `npm run bench` runs every
 * part; `npm run bench -- engine` (or any part names) runs those only.
 * Results land in bench/results/<part>.json and bench/results/latest.json;
 * the exit code is 1 when a stated goal is not met.
 */
const PARTS: Record<string, () => Promise<BenchPartResult>> = {
  emulator: async () => ({ results: [clusterResourcesLatency(), ...(await requestThroughput())] }),
  'engine-deploy': deployCriticalPath,
  'engine-redeploy': noOpRedeploy,
  'clone-throughput': cloneThroughput,
  'cold-start': coldStart,
  synth: synthScale,
};
const GROUPS: Record<string, string[]> = {
  engine: ['engine-deploy', 'engine-redeploy'],
  onboarding: ['clone-throughput'],
};

const asked = process.argv.slice(2).flatMap((a) => GROUPS[a] ?? [a]);
const unknown = asked.filter((a) => !(a in PARTS));
if (unknown.length) {
  console.error(
    `unknown bench part ${unknown.join(', ')}; parts: ${[...Object.keys(PARTS), ...Object.keys(GROUPS)].join(', ')}`,
  );
  process.exit(2);
}
const selected = asked.length ? [...new Set(asked)] : Object.keys(PARTS);

const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const all: Array<BenchResult & { part: string }> = [];
for (const part of selected) {
  console.log(`\n== ${part}`);
  const outcome = await PARTS[part]!();
  all.push(...outcome.results.map((r) => ({ part, ...r })));
  writeFileSync(
    new URL(`${part}.json`, resultsDir),
    `${JSON.stringify({ node: process.version, at: new Date().toISOString(), ...outcome }, null, 2)}\n`,
  );
}

const rows = all.map((r) => [
  r.name,
  `${r.value} ${r.unit}`,
  String(r.baseline),
  `${r.ratio}×`,
  r.goal ? `${r.goal.met ? 'met' : 'NOT MET'}: ${r.goal.text}` : '',
]);
const header = ['result', 'value', 'baseline', 'ratio', 'goal'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
console.log(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
for (const row of rows) console.log(line(row));
for (const r of all) console.log(`  ${r.name}: ${r.note}`);

writeFileSync(
  new URL('latest.json', resultsDir),
  `${JSON.stringify({ node: process.version, at: new Date().toISOString(), results: all }, null, 2)}\n`,
);
const missed = all.filter((r) => r.goal && !r.goal.met);
if (missed.length) {
  console.log(`\n${missed.length} goal(s) not met: ${missed.map((r) => r.name).join('; ')}`);
  process.exitCode = 1;
}
