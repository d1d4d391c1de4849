import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTarball, packOnce, ROOT, runIn } from './packed.ts';

describe('the published package', () => {
  let tarball: string;
  let project: string;
  beforeAll(() => {
    tarball = packOnce();
    project = installTarball(tarball);
  }, 300_000);

  it('GIVEN the packed tarball installed in an empty folder WHEN `pvecdk --version` runs THEN it prints the version from the compiled CLI', () => {
    const run = runIn(project, 'pvecdk', ['--version']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run.stdout.trim()).toBe(version);
  });

  it('GIVEN the installed package WHEN its files are listed THEN it holds compiled JS, types, maps and the API schema, and no TypeScript sources or tests', () => {
    const pkg = join(project, 'node_modules/pvecdk');
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.js.map',
      'dist/assertions/index.js',
      'dist/testing.js',
      'dist/cli/main.js',
      'dist/sim/schema/pve-api-schema-8.4.json',
      'bin/pvecdk.mjs',
    ])
      expect(existsSync(join(pkg, file)), file).toBe(true);
    for (const absent of ['lib', 'test', 'stacks', 'bench', 'scripts', 'tsconfig.json'])
      expect(existsSync(join(pkg, absent)), absent).toBe(false);
  });

  it('GIVEN a project importing pvecdk, pvecdk/assertions and pvecdk/testing WHEN node loads them THEN each entry point resolves to the compiled library', () => {
    const run = runIn(project, process.execPath, [
      '--input-type=module',
      '-e',
      `const core = await import('pvecdk');
       const assertions = await import('pvecdk/assertions');
       const testing = await import('pvecdk/testing');
       console.log(JSON.stringify([typeof core.Customer, typeof assertions.Template, typeof testing.startTestEmulator,
         import.meta.resolve('pvecdk').includes('/node_modules/pvecdk/dist/')]));`,
    ]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['function', 'function', 'function', true]);
  });
});
