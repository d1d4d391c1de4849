import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../lib/engine/state-store.ts';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});

const POOL = 'acme/Pool';
const VM = 'acme/acme-main/Guest/Vm';

async function deployedAcme() {
  const f = await deployFixture();
  running.push(f);
  expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
  const plan = f.assembly.plans.get('acme')!;
  const byPath = (path: string) => Object.values(plan.resources).find((r) => r.path === path)!;
  const emulator = f.emulator.server.emulator.state;
  const state = () => StateStore.open(f.stateDir, 'default', 'acme').state;
  return { f, byPath, emulator, state };
}

const unchanged = (report: Awaited<ReturnType<DeployFixture['deploy']>>) =>
  report.resources.filter((r) => r.status !== 'unchanged' && r.status !== 'pending');

describe('a resource given another identity is made anew and the old object deleted, never left behind', () => {
  it('GIVEN a deployed pool WHEN its id changes THEN the new pool is made, the VM moves into it, and the old pool is deleted', async () => {
    const { f, byPath, emulator, state } = await deployedAcme();
    byPath(POOL).properties.pool_id = 'customer-acme-prod';
    const dry = await f.deploy({ targets: ['acme'], dryRun: true });
    expect(dry.resources.find((r) => r.path === POOL)).toMatchObject({
      action: 'replace',
      destroysData: false,
      changes: [{ key: 'pool_id', from: 'customer-acme', to: 'customer-acme-prod', forcesReplacement: true }],
    });

    const report = await f.deploy({ targets: ['acme'] });
    expect(report.ok).toBe(true);
    expect(emulator.pools['customer-acme']).toBeUndefined();
    expect(emulator.pools['customer-acme-prod']!.members).toContain(1042);
    expect(Object.values(state().resources).some((r) => r.retiring)).toBe(false);
    expect(unchanged(await f.deploy({ targets: ['acme'] }))).toEqual([]);
  }, 60_000);

  it('GIVEN a deployed VM WHEN its vm_id changes THEN it is a replacement guarded as data loss; with --allow-destroy-data the new VM is made, its firewall and backup follow, and the old VM is deleted', async () => {
    const { f, byPath, emulator } = await deployedAcme();
    // As the construct writes it: the VM's id, and the backup job that names it.
    byPath(VM).properties.vm_id = 1142;
    byPath('acme/acme-main/Backup').properties.vmid = ['1142'];
    await expect(f.deploy({ targets: ['acme'] })).rejects.toMatchObject({ code: 'ENGINE_DATA_LOSS' });
    expect(emulator.vms['1042']).toBeDefined();

    const report = await f.deploy({ targets: ['acme'], allowDestroyData: true });
    expect(report.ok).toBe(true);
    expect(report.resources.find((r) => r.path === VM)).toMatchObject({ action: 'replace', status: 'done' });
    expect(emulator.vms['1042']).toBeUndefined();
    expect(String(emulator.vms['1142']!.config.tags)).toContain('pvecdk-acme');
    expect(emulator.firewall?.['vm/1142']).toBeDefined();
    const job = emulator.backupJobs?.['pvecdk-acme-main'];
    expect(job).toBeDefined();
    expect(JSON.stringify(job)).toContain('1142');
    expect(JSON.stringify(job)).not.toContain('1042');
    expect(unchanged(await f.deploy({ targets: ['acme'] }))).toEqual([]);
  }, 60_000);

  it('GIVEN a renamed pool whose old pool cannot be deleted yet WHEN deployed THEN state keeps it as retiring; the next deploy shows it and deletes it', async () => {
    const { f, byPath, emulator, state } = await deployedAcme();
    byPath(POOL).properties.pool_id = 'customer-acme-prod';
    f.emulator.server.faults.configure({
      rules: [{ method: 'DELETE', path: '/pools', rate: 1, fault: 'server-error' }],
    });
    const stopped = await f.deploy({ targets: ['acme'], retry: { attempts: 1, baseMs: 1, maxMs: 1 } });
    expect(stopped.ok).toBe(false);
    expect(emulator.pools['customer-acme-prod']).toBeDefined();
    expect(emulator.pools['customer-acme']).toBeDefined();
    const entry = Object.values(state().resources).find((r) => r.path === POOL)!;
    expect(entry.attributes.pool_id).toBe('customer-acme-prod');
    expect(entry.retiring).toEqual([expect.objectContaining({ attributes: { pool_id: 'customer-acme' } })]);

    f.emulator.server.faults.configure({ rules: [] });
    const dry = await f.deploy({ targets: ['acme'], dryRun: true });
    expect(dry.resources.find((r) => r.path === POOL)).toMatchObject({
      action: 'update',
      changes: [{ key: 'retiring', from: { pool_id: 'customer-acme' }, to: '(deleted)' }],
    });
    expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
    expect(emulator.pools['customer-acme']).toBeUndefined();
    expect(Object.values(state().resources).find((r) => r.path === POOL)!.retiring).toBeUndefined();
  }, 60_000);
});
