import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVitest, type Vitest } from 'vitest/node';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = join(ROOT, 'test');

/** Imported names that start a server, a process or the emulator on a port. */
const INTEGRATION_NAMES: Readonly<Record<string, string>> = {
  startTestEmulator: 'starts the emulator on a port',
  startEmulator: 'starts the emulator on a port',
  runEmulatorCli: 'starts the emulator on a port',
  startSshd: 'starts a real sshd',
  startFixture: 'starts an HTTPS fixture server',
  runCli: 'spawns the CLI',
  deployFixture: 'deploys to the emulator on a port',
  startPostgres: 'starts a real PostgreSQL',
};

/** Modules that open sockets or spawn processes. */
const INTEGRATION_MODULES: Readonly<Record<string, string>> = {
  child_process: 'spawns processes',
  net: 'opens sockets',
  http: 'opens sockets',
  https: 'opens sockets',
  http2: 'opens sockets',
  tls: 'opens sockets',
  dgram: 'opens sockets',
  undici: 'opens sockets',
  ssh2: 'opens SSH connections',
  pg: 'opens PostgreSQL connections',
};

interface ImportStatement {
  readonly names: string;
  readonly specifier: string;
}

/** Static, side-effect and dynamic imports and re-exports of a module; type-only imports run nothing. */
function importsOf(source: string): ImportStatement[] {
  const found: ImportStatement[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s+(type\s+)?([^'";]*?)\s+from\s+['"]([^'"]+)['"]/g))
    if (!m[1]) found.push({ names: m[2]!, specifier: m[3]! });
  for (const m of source.matchAll(/\bimport\s+['"]([^'"]+)['"]/g))
    found.push({ names: '', specifier: m[1]! });
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ names: '', specifier: m[1]! });
  return found;
}

/**
 * Why `file` is integration-only, following its imports of helper modules under
 * test/ (fixtures); lib/ and stacks/ are code under test and are not followed.
 */
function integrationReasons(file: string, helpers = TEST_DIR, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const reasons: string[] = [];
  for (const { names, specifier } of importsOf(readFileSync(file, 'utf8'))) {
    for (const [name, why] of Object.entries(INTEGRATION_NAMES))
      if (new RegExp(`(?<!type\\s+)\\b${name}\\b`).test(names))
        reasons.push(`imports ${name} from '${specifier}' (${why})`);
    const bare = specifier.replace(/^node:/, '');
    if (Object.hasOwn(INTEGRATION_MODULES, bare))
      reasons.push(`imports '${specifier}' (${INTEGRATION_MODULES[bare]})`);
    const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
    if (target?.startsWith(`${helpers}/`) && existsSync(target))
      for (const r of integrationReasons(target, helpers, seen)) reasons.push(`via '${specifier}': ${r}`);
  }
  return reasons;
}

describe('test projects (vitest.config.ts)', () => {
  let vitest: Vitest;
  let byProject: Map<string, string[]>;
  beforeAll(async () => {
    // Ask vitest itself which project runs each file, so its globs are the only classification.
    vitest = await createVitest('test', { watch: false, root: ROOT });
    byProject = new Map();
    for (const spec of await vitest.globTestSpecifications()) {
      const files = byProject.get(spec.project.name) ?? [];
      files.push(relative(ROOT, spec.moduleId));
      byProject.set(spec.project.name, files);
    }
  });
  afterAll(async () => {
    await vitest?.close();
  });

  it('GIVEN the test files WHEN vitest globs them THEN each runs in exactly one of the projects unit and integration', () => {
    const onDisk = readdirSync(TEST_DIR, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => join('test', f));
    const unit = byProject.get('unit') ?? [];
    const integration = byProject.get('integration') ?? [];
    expect([...byProject.keys()].sort()).toEqual(['integration', 'unit']);
    expect([...unit, ...integration].sort()).toEqual(onDisk.sort());
    expect(unit).toContain('test/test-projects.test.ts');
    expect(integration.length).toBeGreaterThan(0);
  });

  it('GIVEN the unit project WHEN its files and their test helpers are read THEN none starts the emulator, sshd, a process or a socket', () => {
    const offenders = (byProject.get('unit') ?? [])
      .map((file) => ({ file, reasons: integrationReasons(join(ROOT, file)) }))
      .filter(({ reasons }) => reasons.length > 0)
      .map(({ file, reasons }) => `${file}:\n${reasons.map((r) => `  - ${r}`).join('\n')}`);
    expect(
      offenders,
      `these test files run in the unit project (pure, in-process, seconds in all) but need integration-only fixtures:\n` +
        `${offenders.join('\n')}\n` +
        'Add each to INTEGRATION_TESTS in vitest.config.ts (a path or a glob), or keep the test in-process.',
    ).toEqual([]);
  });

  it('GIVEN a test that starts the emulator through a helper WHEN checked THEN the helper and the import are named, type-only imports are not', () => {
    // `im` + `port`: this file is a unit test too, and its own scan must not find these sources' imports.
    const im = 'im';
    const dir = mkdtempSync(join(tmpdir(), 'pvecdk-test-projects-'));
    try {
      writeFileSync(
        join(dir, 'helper.ts'),
        `${im}port { type TestEmulator, startTestEmulator } from '../lib/sim/index.ts';\nexport const x = 1;\n`,
      );
      writeFileSync(
        join(dir, 'a.test.ts'),
        [
          `${im}port type { startSshd } from './sshd-fixture.ts';`,
          `${im}port { x } from './helper.ts';`,
          `${im}port './helper.ts';`,
          `const net = await ${im}port('node:net');`,
        ].join('\n'),
      );
      writeFileSync(join(dir, 'pure.test.ts'), `${im}port { App } from '../lib/core/index.ts';\n`);
      expect(integrationReasons(join(dir, 'a.test.ts'), dir)).toEqual([
        "via './helper.ts': imports startTestEmulator from '../lib/sim/index.ts' (starts the emulator on a port)",
        "imports 'node:net' (opens sockets)",
      ]);
      expect(integrationReasons(join(dir, 'pure.test.ts'), dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
