import { afterEach, describe, expect, it } from 'vitest';
import { DISK_DETACHED } from '../../lib/engine/handlers/vm-disk-lifecycle.ts';
import { type DeployFixture, deployFixture } from './deploy-fixture.ts';

const running: DeployFixture[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.emulator.close();
});

const ACME_VM = 'acme/acme-main/Guest/Vm';

/** A deployed acme whose data disk (scsi1) has the given lifecycle, plus handles on its plan and live VM. */
async function deployedWith(lifecycle: 'delete' | 'detach' | 'retain') {
  const f = await deployFixture();
  running.push(f);
  const [, vm] = Object.entries(f.assembly.plans.get('acme')!.resources).find(([, r]) => r.path === ACME_VM)!;
  const disks = vm.properties.disk as Array<Record<string, unknown>>;
  disks[0]!.lifecycle = lifecycle;
  expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
  const live = f.emulator.server.emulator.state.vms[Number(vm.properties.vm_id)]!;
  return { f, vm, live, volume: String(live.config.scsi1).split(',')[0] };
}

describe('disk lifecycle', () => {
  it('GIVEN a data disk with lifecycle detach WHEN it leaves the plan THEN it is detached and kept as an unused disk, without --allow-destroy-data', async () => {
    const { f, vm, live, volume } = await deployedWith('detach');
    vm.properties.disk = [];

    const report = await f.deploy({ targets: ['acme'] });
    const change = report.resources.find((r) => r.path === ACME_VM)!;
    expect(change).toMatchObject({ action: 'update', status: 'done', destroysData: false });
    expect(change.changes).toEqual([
      expect.objectContaining({ key: 'disk[0]', api: 'scsi1', to: DISK_DETACHED }),
    ]);
    expect(live.config.scsi1).toBeUndefined();
    expect(Object.entries(live.config).filter(([k]) => k.startsWith('unused'))).toEqual([
      ['unused0', volume],
    ]);
    expect((await f.deploy({ targets: ['acme'] })).resources.filter((r) => r.status === 'done')).toEqual([]);
  }, 60_000);

  it('GIVEN a data disk with lifecycle delete WHEN it leaves the plan THEN it needs --allow-destroy-data and then its volume is gone', async () => {
    const { f, vm, live } = await deployedWith('delete');
    vm.properties.disk = [];
    await expect(f.deploy({ targets: ['acme'] })).rejects.toMatchObject({ code: 'ENGINE_DATA_LOSS' });
    expect(live.config.scsi1).toBeDefined();

    const report = await f.deploy({ targets: ['acme'], allowDestroyData: true });
    expect(report.ok).toBe(true);
    expect(live.config.scsi1).toBeUndefined();
    expect(Object.keys(live.config).filter((k) => k.startsWith('unused'))).toEqual([]);
  }, 60_000);

  it('GIVEN a data disk with lifecycle retain WHEN removed, replaced or destroyed THEN each is refused, even with --allow-destroy-data, and nothing is written', async () => {
    const { f, vm, live, volume } = await deployedWith('retain');
    const writes = f.writes();

    const disks = vm.properties.disk;
    vm.properties.disk = [];
    await expect(f.deploy({ targets: ['acme'], allowDestroyData: true })).rejects.toMatchObject({
      code: 'ENGINE_DISK_RETAINED',
      message: expect.stringContaining(
        `${ACME_VM}: removing it from the plan would destroy disk scsi1, whose lifecycle is retain`,
      ),
    });

    vm.properties.disk = disks;
    vm.properties.node_name = vm.properties.node_name === 'pve1' ? 'pve2' : 'pve1';
    await expect(f.deploy({ targets: ['acme'], allowDestroyData: true })).rejects.toMatchObject({
      code: 'ENGINE_DISK_RETAINED',
      message: expect.stringContaining('replacing the VM would destroy disk scsi1'),
    });

    await expect(
      f.deploy({ targets: ['acme'], mode: 'destroy', allowDestroyData: true }),
    ).rejects.toMatchObject({
      code: 'ENGINE_DISK_RETAINED',
      message: expect.stringContaining('destroying acme would destroy disk scsi1'),
    });
    expect(f.writes()).toBe(writes);
    expect(String(live.config.scsi1)).toContain(volume);
  }, 60_000);
});

describe('a lifecycle set after the first deploy', () => {
  it('GIVEN a deployed data disk WHEN its lifecycle becomes retain THEN the change is shown and recorded without a write to Proxmox, and removing the VM is then refused', async () => {
    const { f, vm, live } = await deployedWith('delete');
    const disks = vm.properties.disk as Array<Record<string, unknown>>;
    disks[0]!.lifecycle = 'retain';
    const dry = await f.deploy({ targets: ['acme'], dryRun: true });
    const change = dry.resources.find((r) => r.path === ACME_VM)!;
    expect(change).toMatchObject({ action: 'update', status: 'planned' });
    expect(change.changes).toEqual([
      expect.objectContaining({ key: 'disk[0].lifecycle', from: 'delete', to: 'retain' }),
    ]);

    const writes = f.writes();
    const recorded = await f.deploy({ targets: ['acme'] });
    expect(recorded.resources.find((r) => r.path === ACME_VM)).toMatchObject({
      action: 'update',
      status: 'done',
    });
    expect(f.writes()).toBe(writes);
    expect((await f.deploy({ targets: ['acme'] })).resources.filter((r) => r.status === 'done')).toEqual([]);

    // The VM leaves the plan: the retained disk refuses it, even with --allow-destroy-data.
    const plan = f.assembly.plans.get('acme')!;
    const [id] = Object.entries(plan.resources).find(([, r]) => r.path === ACME_VM)!;
    const kept = plan.resources[id]!;
    delete (plan.resources as Record<string, unknown>)[id];
    for (const r of Object.values(plan.resources)) r.dependsOn = r.dependsOn.filter((d) => d !== id);
    await expect(f.deploy({ targets: ['acme'], allowDestroyData: true })).rejects.toMatchObject({
      code: 'ENGINE_DISK_RETAINED',
    });
    expect(live.config.scsi1).toBeDefined();

    // And back: delete again is recorded, then the removal goes through with --allow-destroy-data.
    (plan.resources as Record<string, unknown>)[id] = kept;
    disks[0]!.lifecycle = 'delete';
    expect((await f.deploy({ targets: ['acme'] })).ok).toBe(true);
    delete (plan.resources as Record<string, unknown>)[id];
    expect((await f.deploy({ targets: ['acme'], allowDestroyData: true })).ok).toBe(true);
    expect(f.vms().map((v) => v.vmid)).not.toContain(Number(vm.properties.vm_id));
  }, 60_000);
});
