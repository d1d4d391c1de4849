import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../lib/cli/config.ts';
import { openRemote } from '../../lib/cli/remote-target.ts';
import { judgeOwner, processAlive, readOwner, stopSharedEmulator } from '../../lib/sim/index.ts';
import { type JsonChild, ROOT, startChild } from '../sim/fixtures/child.ts';

interface Opened {
  url: string;
  dataDir: string;
  pid: number;
  startedHere: boolean;
  idleSeconds?: number;
  client: number;
}

const CLIENT = `${ROOT}test/cli/fixtures/processes/open-remote.ts`;
const dataDirs: string[] = [];

/** A project folder with no remote configured: its commands use the embedded emulator. */
function project(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-shared-'));
  dataDirs.push(join(cwd, '.pvecdk', 'sim'));
  return cwd;
}

function openInChildren(cwd: string, pools: readonly (string | undefined)[]): JsonChild[] {
  return pools.map((pool) =>
    startChild([CLIENT, cwd, ...(pool ? [pool] : [])], {
      typescript: true,
      env: { PVECDK_SIM_LATENCY_SCALE: '0.001' },
    }),
  );
}

afterEach(async () => {
  for (const dir of dataDirs.splice(0)) await stopSharedEmulator(dir);
});

describe('the embedded emulator, shared by the CLI processes of a project', () => {
  it('GIVEN two CLI processes with no remote configured WHEN both open it at once and each creates a pool THEN they use one emulator process, and both pools exist', async () => {
    const cwd = project();
    const children = openInChildren(cwd, ['team-a', 'team-b']);
    try {
      const [a, b] = (await Promise.all(children.map((c) => c.line<Opened>(60_000)))) as [Opened, Opened];
      expect(a.pid).toBe(b.pid);
      expect(a.url).toBe(b.url);
      expect([a.startedHere, b.startedHere].filter(Boolean)).toHaveLength(1);
      // The emulator is neither of the CLI processes: it outlives them.
      expect([a.client, b.client]).not.toContain(a.pid);
    } finally {
      await Promise.all(children.map((c) => c.finish()));
    }
    const third = await openRemote(loadProjectConfig(cwd), 'default', cwd, 4);
    try {
      expect(third.emulator?.startedHere).toBe(false);
      const pools = (await third.api.pools.list()).map((p) => p.poolid).sort();
      expect(pools).toEqual(['team-a', 'team-b']);
    } finally {
      await third.close();
    }
  }, 90_000);

  it('GIVEN six CLI processes WHEN they open the embedded emulator of one project at once THEN exactly one emulator is started and all six use it', async () => {
    const cwd = project();
    const children = openInChildren(
      cwd,
      Array.from({ length: 6 }, () => undefined),
    );
    try {
      const opened = await Promise.all(children.map((c) => c.line<Opened>(60_000)));
      expect(new Set(opened.map((o) => o.pid)).size).toBe(1);
      expect(new Set(opened.map((o) => o.url)).size).toBe(1);
      expect(opened.filter((o) => o.startedHere)).toHaveLength(1);
    } finally {
      await Promise.all(children.map((c) => c.finish()));
    }
  }, 90_000);

  it('GIVEN the embedded emulator running for a project WHEN stopped with pvecdk sim --stop THEN it is gone, and the next command starts a new one on the same state', async () => {
    const cwd = project();
    const [first] = openInChildren(cwd, ['kept']);
    const before = await first!.line<Opened>(60_000);
    await first!.finish();
    expect(await stopSharedEmulator(before.dataDir)).toBe(before.pid);
    expect(await stopSharedEmulator(before.dataDir)).toBeUndefined();

    const again = await openRemote(loadProjectConfig(cwd), 'default', cwd, 4);
    try {
      expect(again.emulator).toMatchObject({ startedHere: true });
      expect(again.emulator?.pid).not.toBe(before.pid);
      expect((await again.api.pools.list()).map((p) => p.poolid)).toEqual(['kept']);
    } finally {
      await again.close();
    }
  }, 90_000);

  it('GIVEN the embedded emulator started with 1 idle second WHEN a command keeps it open, quiet, for longer THEN it still serves; WHEN the command is done THEN it exits by itself', async () => {
    const cwd = project();
    process.env.PVECDK_SIM_IDLE_SECONDS = '1';
    let remote: Awaited<ReturnType<typeof openRemote>>;
    try {
      remote = await openRemote(loadProjectConfig(cwd), 'default', cwd, 4);
    } finally {
      delete process.env.PVECDK_SIM_IDLE_SECONDS;
    }
    const dataDir = remote.emulator!.dataDir;
    expect(remote.emulator).toMatchObject({ startedHere: true, idleSeconds: 1 });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await judgeOwner(dataDir, readOwner(dataDir)!)).toBe('serving');
    expect((await remote.api.version()).version).toBe('8.4.1');
    await remote.close();
    const deadline = Date.now() + 30_000;
    while (processAlive(remote.emulator!.pid) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(processAlive(remote.emulator!.pid)).toBe(false);
    expect(readOwner(dataDir)?.record?.released).toBe(true);
    expect(readFileSync(join(dataDir, 'emulator.log'), 'utf8')).toContain('stopped (idle)');
  }, 60_000);
});
