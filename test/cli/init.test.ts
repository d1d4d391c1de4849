import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageNameOf } from '../../lib/cli/init/project-package.ts';
import { main } from '../../lib/cli/main.ts';
import { captureIo } from './cli-io.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'pvecdk-init-'));
const OWN = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};
const FILES = [
  'package.json',
  '.gitignore',
  'tsconfig.json',
  'cdk.json',
  'stacks/platform.ts',
  'stacks/example.ts',
  'test/example.test.ts',
  'README.md',
];

describe('pvecdk init', () => {
  it('GIVEN a folder that does not exist WHEN init runs THEN the project is made in it and the next steps are printed', async () => {
    const cwd = tmp();
    const io = captureIo(cwd);
    expect(await main(['init', 'My Platform'], io)).toBe(0);
    const root = join(cwd, 'My Platform');
    for (const f of FILES) expect(existsSync(join(root, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'my-platform',
      type: 'module',
      private: true,
      scripts: { deploy: 'pvecdk deploy', test: 'vitest run', typecheck: 'tsc --noEmit' },
      dependencies: { pvecdk: `^${OWN.version}` },
      devDependencies: { vitest: OWN.devDependencies.vitest, typescript: OWN.devDependencies.typescript },
    });
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['cdk.out/', '.pvecdk/', 'node_modules/']),
    );
    expect(JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8'))).toEqual({
      output: 'cdk.out',
      stateDir: '.pvecdk',
      remotes: {},
      context: {},
    });
    expect(readFileSync(join(root, 'stacks/example.ts'), 'utf8')).toContain("from './platform.ts'");
    expect(readFileSync(join(root, 'test/example.test.ts'), 'utf8')).toContain("from 'pvecdk/assertions'");
    const out = io.stdout.join('\n');
    expect(out).toContain('Created a pvecdk project in My Platform');
    expect(out).toContain('cd My Platform');
    expect(out).toContain('npx pvecdk deploy stacks/example.ts');
  });

  it('GIVEN a folder where `npm install ./pvecdk-x.tgz` made package.json and .gitignore exists WHEN init runs THEN both are completed, not replaced', async () => {
    const root = tmp();
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ dependencies: { pvecdk: 'file:pvecdk-0.1.0.tgz' }, scripts: { test: 'my-test' } }),
    );
    writeFileSync(join(root, '.gitignore'), 'secrets/\ncdk.out\n');
    expect(await main(['init'], captureIo(root))).toBe(0);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.dependencies.pvecdk).toBe('file:pvecdk-0.1.0.tgz');
    expect(pkg.scripts).toMatchObject({ test: 'my-test', deploy: 'pvecdk deploy' });
    expect(pkg.type).toBe('module');
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toBe(
      'secrets/\ncdk.out\nnode_modules/\n.pvecdk/\n',
    );
  });

  it('GIVEN a folder that already holds a stack file WHEN init runs THEN exit 2 naming it, and nothing is written', async () => {
    const root = tmp();
    mkdirSync(join(root, 'stacks'));
    writeFileSync(join(root, 'stacks/platform.ts'), '// mine\n');
    const io = captureIo(root);
    expect(await main(['init'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain(
      'error CLI_INIT_CONFLICT: pvecdk init would overwrite stacks/platform.ts in .',
    );
    expect(readFileSync(join(root, 'stacks/platform.ts'), 'utf8')).toBe('// mine\n');
    expect(existsSync(join(root, 'package.json'))).toBe(false);
  });

  it('GIVEN a package.json of type commonjs WHEN init runs THEN exit 2 saying stack files are ES modules', async () => {
    const root = tmp();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    const io = captureIo(root);
    expect(await main(['init'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('"type": "commonjs"; stack files are ES modules');
    expect(existsSync(join(root, 'cdk.json'))).toBe(false);
  });

  it('GIVEN two folders WHEN init runs THEN exit 2: it takes at most one', async () => {
    const io = captureIo(tmp());
    expect(await main(['init', 'a', 'b'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('init takes at most one folder');
  });

  it('GIVEN folder names WHEN made package names THEN they follow npm rules', () => {
    expect(packageNameOf('Acme Hosting')).toBe('acme-hosting');
    expect(packageNameOf('.hidden')).toBe('hidden');
    expect(packageNameOf('!!!')).toBe('pvecdk-platform');
  });
});
