import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `npm pack` of this repository (its prepare script builds dist/), once per test file. */
export function packOnce(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvecdk-pack-'));
  const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
  const [packed] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return join(dir, packed!.filename);
}

/**
 * A project folder with the tarball installed as npm would (extracted to node_modules/pvecdk,
 * its bin linked), without the network: the dependencies are links to this repository's own.
 */
export function installTarball(
  tarball: string,
  project = mkdtempSync(join(tmpdir(), 'pvecdk-user-')),
): string {
  // What `npm install ./pvecdk-x.tgz` writes into an empty folder.
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ dependencies: { pvecdk: `file:${tarball}` } }, null, 2)}\n`,
  );
  const modules = join(project, 'node_modules');
  const pkg = join(modules, 'pvecdk');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '.bin' || name === 'pvecdk' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  mkdirSync(join(modules, '.bin'));
  symlinkSync('../pvecdk/bin/pvecdk.mjs', join(modules, '.bin', 'pvecdk'));
  for (const tool of ['vitest', 'tsc'])
    symlinkSync(join(ROOT, 'node_modules/.bin', tool), join(modules, '.bin', tool));
  return project;
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in the user's project as a shell would, node_modules/.bin on the PATH (as npx does). */
export function runIn(
  project: string,
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Run {
  const result = spawnSync(command, [...args], {
    cwd: project,
    env: {
      ...process.env,
      PATH: `${join(project, 'node_modules/.bin')}:${process.env.PATH}`,
      PVECDK_SIM_IDLE_SECONDS: '5',
      PVECDK_SIM_LATENCY_SCALE: '0.01',
      NO_COLOR: '1',
      ...env,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
