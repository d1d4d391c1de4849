#!/usr/bin/env node
// The pvecdk command. An installed package runs the compiled library (dist/); a checkout of the
// repository (lib/ sources present) runs the sources through tsx, so a change needs no build.
// Either way, the user's stack files are TypeScript compiled when they are loaded.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const sources = new URL('../lib/cli/main.ts', import.meta.url);
const fromSources = existsSync(sources) && process.env.PVECDK_COMPILED !== '1';
if (fromSources) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Stack files import 'pvecdk': resolve it to these sources too (one App class, not two).
  register('./source-condition.mjs', import.meta.url);
}
const { main } = await import(fromSources ? sources.href : '../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
