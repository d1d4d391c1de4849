import { mkdirSync, writeFileSync } from 'node:fs';
import { clusterResourcesLatency, requestThroughput } from './emulator.ts';

/**
 * Benchmarks report ratios against a baseline measured in the same run on
 * the same machine, never absolute thresholds. Results land in
 * bench/results/latest.json.
 */
const results = [clusterResourcesLatency(), await requestThroughput()];
for (const r of results) {
  console.log(`${r.name}: ${r.value} ${r.unit} (baseline ${r.baseline}, ratio ${r.ratio}) - ${r.note}`);
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify({ node: process.version, results }, null, 2)}\n`,
);
