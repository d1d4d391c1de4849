import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { customerStackFile, type SoakCustomer } from './customers.ts';

/** This checkout: the CLI the soak spawns and the package its stack files import. */
export const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

/** The operator's project the soak works in: a temporary folder with the example platform. */
export interface SoakProject {
  readonly dir: string;
  /** Where the embedded emulator keeps its data, and the CLI its state and secrets. */
  readonly simDir: string;
  /** Captured CLI output, one file per run (scanned for secrets like every other file). */
  readonly logDir: string;
  fileOf(customer: string): string;
  write(customer: SoakCustomer): void;
  remove(customer: string): void;
}

/**
 * A project as `pvecdk init` lays it out, with no remote (so the CLI uses the
 * embedded emulator of `.pvecdk/sim`): package.json (ES modules), cdk.json,
 * stacks/platform.ts copied from this repository's example, and `pvecdk`
 * resolving to this checkout through node_modules, as an installed package would.
 */
export function createSoakProject(): SoakProject {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-soak-'));
  mkdirSync(join(dir, 'stacks'));
  mkdirSync(join(dir, 'node_modules'));
  mkdirSync(join(dir, 'logs'));
  symlinkSync(REPOSITORY, join(dir, 'node_modules', 'pvecdk'), 'dir');
  writeFileSync(
    join(dir, 'package.json'),
    '{ "name": "soak-platform", "private": true, "type": "module" }\n',
  );
  writeFileSync(
    join(dir, 'cdk.json'),
    `${JSON.stringify({ output: 'cdk.out', stateDir: '.pvecdk', remotes: {}, context: {} }, null, 2)}\n`,
  );
  copyFileSync(join(REPOSITORY, 'stacks', 'platform.ts'), join(dir, 'stacks', 'platform.ts'));
  const fileOf = (customer: string) => join('stacks', `${customer}.ts`);
  return {
    dir,
    simDir: join(dir, '.pvecdk', 'sim'),
    logDir: join(dir, 'logs'),
    fileOf,
    write: (customer) => writeFileSync(join(dir, fileOf(customer.name)), customerStackFile(customer)),
    remove: (customer) => rmSync(join(dir, fileOf(customer)), { force: true }),
  };
}
