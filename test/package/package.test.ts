import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTarball, packOnce, ROOT, runIn } from './packed.ts';

// One `npm pack` (which builds dist/) for the whole file: it takes most of a minute.
let tarball: string;
beforeAll(() => {
  tarball = packOnce();
}, 300_000);

describe('the published package', () => {
  let project: string;
  beforeAll(() => {
    project = installTarball(tarball);
  });

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

/**
 * What an operator does with the published package: install it in an empty folder,
 * `npx pvecdk init`, deploy the example to the embedded emulator, run the project's tests.
 */
describe('a project made by pvecdk init from the installed package', () => {
  let project: string;
  beforeAll(() => {
    project = installTarball(tarball);
  });

  it('GIVEN the tarball installed in an empty folder WHEN `pvecdk init` runs THEN the project is made around the installed pvecdk', () => {
    const run = runIn(project, 'pvecdk', ['init']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(pkg.dependencies.pvecdk).toMatch(/^file:.*\.tgz$/);
    expect(pkg.type).toBe('module');
  });

  it('GIVEN the new project WHEN `pvecdk synth stacks/example.ts` runs THEN the platform and example plans are written', () => {
    const run = runIn(project, 'pvecdk', ['synth', 'stacks/example.ts', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ stacks: ['example', 'platform'], targets: ['example'] });
  });

  it('GIVEN the new project WHEN `pvecdk deploy stacks/example.ts` runs THEN both stacks deploy to the embedded emulator', () => {
    const run = runIn(project, 'pvecdk', ['deploy', 'stacks/example.ts', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain('embedded emulator');
    expect(run.stdout).toMatch(/Deployed: platform, example \(created \d+/);
    const again = runIn(project, 'pvecdk', ['diff', 'stacks/example.ts', '--fail']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  }, 120_000);

  it("GIVEN the new project WHEN its test and typecheck scripts' tools run THEN the example test passes and the types check", () => {
    const test = runIn(project, 'vitest', ['run']);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/1 passed/);
    const types = runIn(project, 'tsc', ['--noEmit']);
    expect(types.code, types.stdout + types.stderr).toBe(0);
  }, 120_000);

  it('GIVEN a stack file with a syntax error WHEN the installed CLI synthesizes it THEN exit 2 with CLI_STACK_FILE_COMPILE and its file:line', () => {
    writeFileSync(
      join(project, 'stacks/broken.ts'),
      "import { App } from 'pvecdk';\nconst app = new App(;\n",
    );
    const run = runIn(project, 'pvecdk', ['synth', 'stacks/broken.ts']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error CLI_STACK_FILE_COMPILE: stacks\/broken\.ts:2:/);
  });

  it('GIVEN a construct mistake in a stack file WHEN the installed CLI synthesizes it THEN the error names the line of the user code, not the compiled library', () => {
    writeFileSync(
      join(project, 'stacks/bad-name.ts'),
      "import { Stack } from 'pvecdk';\nimport { app } from './platform.ts';\n\nnew Stack(app, 'bad name');\n",
    );
    const run = runIn(project, 'pvecdk', ['synth', 'stacks/bad-name.ts']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error SYNTH_INVALID_ID: stacks/bad-name.ts:4: Stack 'bad name'");
  });
});
