#!/usr/bin/env node
// Builds the published library: lib/*.ts compiled by tsc into dist/ (ESM JavaScript, .d.ts,
// source maps), plus the files the library reads at run time (the Proxmox API schema).
// Plain JavaScript so that `prepare` runs with nothing but Node and typescript installed.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist`;

// A file deleted from lib/ must not live on in dist/.
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (run.status !== 0) {
  console.error('build: tsc failed (see above); dist/ is incomplete');
  process.exit(run.status ?? 1);
}
// Read with readFileSync(new URL('./schema/...', import.meta.url)): same place relative to the code.
for (const file of readdirSync(`${root}lib/sim/schema`).filter((f) => f.endsWith('.json'))) {
  cpSync(`${root}lib/sim/schema/${file}`, `${dist}/sim/schema/${file}`);
}
