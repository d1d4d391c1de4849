#!/usr/bin/env node
// Stack files are TypeScript with no build step: register tsx's loader, then run the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
