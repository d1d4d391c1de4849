import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../lib/engine/state-store.ts';
import { seededRandom } from '../../lib/sim/faults.ts';
import { startTestEmulator, type TestEmulator } from '../../lib/sim/index.ts';
import { ROOT } from '../cli/run-cli.ts';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const closing: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (closing.length) await closing.pop()!.close();
});

/** Every VM the state records exists, carries its stack's tags, and no VM name is there twice. */
function expectConsistent(f: DeployFixture): void {
  for (const stack of ['platform', 'acme', 'globex']) {
    for (const r of Object.values(StateStore.open(f.stateDir, 'default', stack).state.resources)) {
      if (r.type !== 'proxmox_virtual_environment_vm') continue;
      const vm = f.emulator.server.emulator.state.vms[Number(r.attributes.vm_id)];
      expect(vm, `${r.path} is in the state but not live`).toBeDefined();
      expect(String(vm!.config.tags)).toContain(`pvecdk-${stack}`);
    }
  }
  const names = f.vms().map((v) => v.name);
  expect(new Set(names).size).toBe(names.length);
}

describe('deploy under injected faults', () => {
  it.each([1, 2, 3])(
    'GIVEN 5xx, resets, lock timeouts and failed tasks (seed %i) WHEN deploying THEN it converges or fails with clear messages, consistent state, and converges once the faults stop',
    async (seed) => {
      const f = await deployFixture();
      closing.push(f.emulator);
      f.emulator.server.faults.configure({
        seed,
        rules: [
          { method: 'GET', rate: 0.05, fault: 'server-error' },
          { method: 'GET', rate: 0.05, fault: 'reset' },
          { method: 'POST', path: '/qemu/\\d+/config$', rate: 0.3, fault: 'lock-timeout' },
          { method: 'PUT', rate: 0.05, fault: 'server-error' },
        ],
        taskFailureRate: 0.15,
      });
      const faulty = await f.deploy();
      for (const r of faulty.resources.filter((x) => x.status === 'failed')) {
        // A clear message: the failing call or task, never an empty or internal one.
        expect(r.error, r.path).toMatch(/\S{10,}/);
        expect(r.error).not.toMatch(/undefined|\[object Object\]/);
      }
      for (const r of faulty.resources.filter((x) => x.status === 'skipped'))
        expect(r.error).toMatch(/^skipped: .+ failed$/);
      expectConsistent(f);

      f.emulator.server.faults.configure({ rules: [] });
      const healed = await f.deploy();
      expect(healed.resources.filter((r) => r.status === 'failed')).toEqual([]);
      expect(healed.ok).toBe(true);
      expectConsistent(f);
      expect(
        f
          .vms()
          .map((v) => v.name)
          .sort(),
      ).toEqual(['acme-main', 'fw', 'globex-main', 'rds']);
      const writes = f.writes();
      const again = await f.deploy();
      expect(again.resources.filter((r) => r.status !== 'unchanged' && r.status !== 'pending')).toEqual([]);
      expect(f.writes()).toBe(writes);
    },
    90_000,
  );
});

describe('destroy under injected faults', () => {
  it.each([1, 2])(
    'GIVEN acme and globex deployed WHEN they are destroyed while writes answer 5xx and connections reset (seed %i) THEN transient errors are retried like a deploy and the destroy completes',
    async (seed) => {
      const f = await deployFixture();
      closing.push(f.emulator);
      expect((await f.deploy()).ok).toBe(true);
      f.emulator.server.faults.configure({
        seed,
        rules: [
          { method: 'DELETE', rate: 0.2, fault: 'server-error' },
          { method: 'PUT', rate: 0.2, fault: 'server-error' },
          { method: 'GET', rate: 0.05, fault: 'reset' },
        ],
      });
      const destroyed = await f.deploy({
        targets: ['acme', 'globex'],
        mode: 'destroy',
        allowDestroyData: true,
        retry: { attempts: 6, baseMs: 1, maxMs: 4 },
      });
      expect(destroyed.resources.filter((r) => r.status === 'failed')).toEqual([]);
      expect(destroyed.ok).toBe(true);
      expect(
        f
          .vms()
          .map((v) => v.name)
          .sort(),
      ).toEqual(['fw', 'rds']);
      for (const stack of ['acme', 'globex'])
        expect(StateStore.open(f.stateDir, 'default', stack).state.resources).toEqual({});
    },
    90_000,
  );
});

/** Runs `pvecdk deploy stacks/acme.ts` against the emulator in a child; kills it with SIGKILL after `killAfterMs`. */
function deployInChild(
  emulator: TestEmulator,
  cwd: string,
  killAfterMs: number | undefined,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}bin/pvecdk.mjs`, 'deploy', join(ROOT, 'stacks/acme.ts')], {
      cwd,
      env: {
        ...process.env,
        NO_COLOR: '1',
        PVECDK_URL: emulator.server.url,
        PVECDK_TOKEN_ID: emulator.server.tokenId,
        PVECDK_TOKEN_SECRET: emulator.server.tokenSecret,
        PVECDK_FINGERPRINT: emulator.server.fingerprint,
        // The API half is what is killed and resumed here; the guests' addresses are not reachable.
        PVECDK_GUESTS: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout });
    });
  });
}

describe('deploy killed and resumed', () => {
  it('GIVEN deploys killed with SIGKILL at several points WHEN deployed again THEN it converges: no duplicate VM, no orphan, then no changes', async () => {
    // Latency on, so the kill lands inside the deploy (clones, config writes, state writes).
    const emulator = await startTestEmulator({ latencyScale: 0.02 });
    closing.push(emulator);
    const cwd = mkdtempSync(join(tmpdir(), 'pvecdk-resume-'));
    // Random points over the deploy (start-up takes about a second, the deploy a few more), from a
    // fixed seed so a failure can be replayed: PVECDK_KILL_SEED picks another sequence.
    const seed = Number(process.env.PVECDK_KILL_SEED ?? 20261125);
    const random = seededRandom(seed);
    const killPoints = Array.from({ length: 4 }, () => 800 + Math.round(random() * 4500));
    const kills: string[] = [];
    for (const ms of killPoints) {
      const run = await deployInChild(emulator, cwd, ms);
      kills.push(`${ms}ms: ${run.signal ?? `exit ${run.code}`}`);
      if (run.code === 0) break; // Finished before the kill: nothing left to resume.
    }
    const final = await deployInChild(emulator, cwd, undefined);
    expect(final.stdout, `seed ${seed}, kills ${kills.join(', ')}`).toMatch(/Deployed: platform, acme \(/);
    expect(final.code).toBe(0);

    const vms = Object.values(emulator.server.emulator.state.vms).filter((v) => !v.config.template);
    expect(vms.map((v) => String(v.config.name)).sort()).toEqual(['acme-main', 'fw', 'rds']);
    // No orphan: every live VM is in some stack's state.
    const stateDir = join(cwd, '.pvecdk');
    const inState = ['platform', 'acme'].flatMap((s) =>
      Object.values(StateStore.open(stateDir, 'default', s).state.resources)
        .filter((r) => r.type === 'proxmox_virtual_environment_vm')
        .map((r) => Number(r.attributes.vm_id)),
    );
    expect(inState.sort()).toEqual(vms.map((v) => Number(v.vmid)).sort());

    const writes = emulator.server.emulator.stats.writes;
    const again = await deployInChild(emulator, cwd, undefined);
    expect(again.stdout).toMatch(/created 0, updated 0, replaced 0, deleted 0, unchanged 18/);
    expect(emulator.server.emulator.stats.writes).toBe(writes);
  }, 120_000);
});
