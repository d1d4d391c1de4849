import { afterEach, describe, expect, it } from 'vitest';
import { acquireDeployLock, type LockHolder, lockHolders } from '../../lib/engine/deploy-lock.ts';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});

async function deployedPlatform(): Promise<DeployFixture> {
  const f = await deployFixture();
  running.push(f);
  expect((await f.deploy({ targets: ['platform'] })).ok).toBe(true);
  return f;
}

/** The RDS host's VM id on the emulator (a platform VM whose description is easy to drift). */
function rdsVm(f: DeployFixture) {
  const plan = f.assembly.plans.get('platform')!;
  const vm = Object.values(plan.resources).find(
    (r) => r.type === 'proxmox_virtual_environment_vm' && r.path.includes('Rds'),
  )!;
  return f.emulator.server.emulator.state.vms[Number(vm.properties.vm_id)]!;
}

describe('deploy locks: shared for stacks only read, exclusive for stacks changed', () => {
  it('GIVEN another deploy reading the platform (a shared holder) WHEN acme deploys and the platform has nothing to change THEN acme is not refused, and the platform is held shared while acme deploys', async () => {
    const f = await deployedPlatform();
    const reader = acquireDeployLock(f.stateDir, 'default', 'platform', 'pvecdk deploy stacks/globex.ts', {
      mode: 'shared',
    });
    let platformHolders: LockHolder[] = [];
    const report = await f.deploy({
      targets: ['acme'],
      onChanges: (stack) => {
        if (stack === 'acme') platformHolders = lockHolders(f.stateDir, 'default', 'platform');
      },
    });
    reader.release();
    expect(report.ok).toBe(true);
    const platform = report.resources.filter((r) => r.stack === 'platform');
    expect(platform.filter((r) => r.status !== 'unchanged' && r.status !== 'pending')).toEqual([]);
    // The other reader and this run's own hold on its dependency, both shared.
    expect(platformHolders.map((h) => [h.mode, h.command])).toEqual([
      ['shared', 'pvecdk deploy stacks/globex.ts'],
      ['shared', 'pvecdk deploy platform'],
    ]);
    // Released when the run ended.
    expect(lockHolders(f.stateDir, 'default', 'platform')).toEqual([]);
  }, 60_000);

  it('GIVEN two runs deploying acme and globex at the same time on an unchanged platform WHEN both read the platform THEN neither refuses the other', async () => {
    const f = await deployedPlatform();
    // Each run stops in its customer stack until the other got there too: both hold the platform then.
    const arrived = { acme: false, globex: false };
    let meet: () => void = () => undefined;
    const bothThere = new Promise<void>((resolve) => {
      meet = resolve;
    });
    const rendezvous = async (stack: string) => {
      if (stack !== 'acme' && stack !== 'globex') return;
      arrived[stack] = true;
      if (arrived.acme && arrived.globex) meet();
      await bothThere;
    };
    let seen: LockHolder[] = [];
    const [a, g] = await Promise.all([
      f.deploy({ targets: ['acme'], onChanges: rendezvous }),
      f.deploy({
        targets: ['globex'],
        onChanges: async (stack) => {
          await rendezvous(stack);
          if (stack === 'globex') seen = lockHolders(f.stateDir, 'default', 'platform');
        },
      }),
    ]);
    expect([a.ok, g.ok]).toEqual([true, true]);
    expect(seen.map((h) => h.mode)).toEqual(['shared', 'shared']);
  }, 60_000);

  it('GIVEN the platform changes and a reader holds it WHEN deployed without a wait THEN ENGINE_LOCKED names the reader; with a wait THEN it waits, is told who holds it, and deploys once they are gone', async () => {
    const f = await deployedPlatform();
    rdsVm(f).config.description = 'edited in the GUI';
    const reader = acquireDeployLock(f.stateDir, 'default', 'platform', 'pvecdk deploy stacks/globex.ts', {
      mode: 'shared',
    });
    await expect(f.deploy({ targets: ['platform'] })).rejects.toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringContaining("is being read by 'pvecdk deploy stacks/globex.ts'"),
    });
    const waits: Array<{ stack: string; mode: string; holders: string[] }> = [];
    const report = await f.deploy({
      targets: ['platform'],
      lockWait: {
        timeoutMs: 30_000,
        onWait: (stack, mode, holders) => {
          waits.push({ stack, mode, holders: holders.map((h) => `${h.mode} ${h.command}`) });
          // The reader finishes while this deploy waits.
          setTimeout(() => reader.release(), 50);
        },
      },
    });
    expect(waits).toEqual([
      { stack: 'platform', mode: 'exclusive', holders: ['shared pvecdk deploy stacks/globex.ts'] },
    ]);
    expect(report.ok).toBe(true);
    expect(rdsVm(f).config.description).not.toBe('edited in the GUI');
  }, 60_000);

  it('GIVEN an unchanged platform changed by someone else while this deploy waited for it WHEN the lock comes THEN the change is seen, the shared lock becomes exclusive and the platform is repaired', async () => {
    const f = await deployedPlatform();
    const other = acquireDeployLock(f.stateDir, 'default', 'platform', 'pvecdk deploy other.ts');
    const waits: string[] = [];
    const report = await f.deploy({
      targets: ['acme'],
      lockWait: {
        timeoutMs: 30_000,
        onWait: (stack, mode) => {
          waits.push(`${stack} ${mode}`);
          // The other deploy drifts the platform from this file's plan, then lets go.
          if (waits.length === 1) {
            rdsVm(f).config.description = 'set by another deploy';
            setTimeout(() => other.release(), 50);
          }
        },
      },
    });
    // Planned before the drift: read only, so it asked for a shared lock.
    expect(waits[0]).toBe('platform shared');
    expect(report.ok).toBe(true);
    const rds = report.resources.find((r) => r.stack === 'platform' && r.id.startsWith('RdsGuestVm'))!;
    expect({ action: rds.action, status: rds.status }).toEqual({ action: 'update', status: 'done' });
    expect(rdsVm(f).config.description).not.toBe('set by another deploy');
  }, 60_000);

  it('GIVEN a wait for a lock that is never released WHEN it times out THEN ENGINE_LOCKED says how long it waited', async () => {
    const f = await deployedPlatform();
    rdsVm(f).config.description = 'edited in the GUI';
    const other = acquireDeployLock(f.stateDir, 'default', 'platform', 'pvecdk deploy other.ts');
    await expect(f.deploy({ targets: ['platform'], lockWait: { timeoutMs: 300 } })).rejects.toMatchObject({
      code: 'ENGINE_LOCKED',
      message: expect.stringMatching(/being changed by 'pvecdk deploy other.ts'.*still after waiting \d+ s/),
    });
    other.release();
  }, 60_000);

  it('GIVEN a wait for a lock WHEN the operator presses Ctrl-C THEN the run stops as interrupted, nothing written', async () => {
    const f = await deployedPlatform();
    rdsVm(f).config.description = 'edited in the GUI';
    const other = acquireDeployLock(f.stateDir, 'default', 'platform', 'pvecdk deploy other.ts');
    const stop = new AbortController();
    const writes = f.writes();
    const report = await f.deploy({
      targets: ['platform'],
      signal: stop.signal,
      lockWait: { timeoutMs: 30_000, onWait: () => setTimeout(() => stop.abort(), 20) },
    });
    other.release();
    expect(report.interrupted).toBe(true);
    expect(report.ok).toBe(false);
    expect(f.writes()).toBe(writes);
    expect(rdsVm(f).config.description).toBe('edited in the GUI');
  }, 60_000);
});
