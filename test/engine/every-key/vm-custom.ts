import { expect } from 'vitest';
import { placeUnreferencedVolume } from '../../../lib/sim/api/storage-files.ts';
import type { CustomCheck, Props } from './coverage.ts';
import type { KeyHarness } from './harness.ts';
import { options } from './vm-live.ts';

/** What only the engine's behaviour shows: clones, reboots, migration, destroy modes, disk removal. */

/** A small clone of the Debian template on pve1. */
const clone = (vmid: number, more: Props = {}): Props => ({
  node_name: 'pve1',
  vm_id: vmid,
  name: `keys-${vmid}`,
  clone: { vm_id: 9002 },
  ...more,
});

/** Drops VMs from the plan and deploys: the engine deletes them. */
async function destroy(h: KeyHarness, ...ids: string[]): Promise<void> {
  for (const id of ids) h.remove(id);
  const report = await h.deploy({ allowDestroyData: true });
  expect(
    report.resources
      .filter((r) => ids.includes(r.id))
      .map((r) => [r.id, r.action, r.status])
      .sort(),
  ).toEqual(ids.map((id) => [id, 'delete', 'done']).sort());
}

export const cloneFromNode: CustomCheck = {
  name: 'the clone is asked of that node (a node without the template answers that it has no such VM)',
  async run(h) {
    h.add('FromNode', clone(2010, { clone: { vm_id: 9002, node_name: 'pve1' } }));
    await h.deployExpecting('FromNode', 'create');
    expect(h.state.vms[2010]?.config.ostype).toBe('l26');
    h.add('FromWrongNode', clone(2011, { clone: { vm_id: 9002, node_name: 'pve2' } }));
    const report = await h.deploy();
    expect(report.resources.find((r) => r.id === 'FromWrongNode')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining("nodes/pve2/qemu-server/9002.conf' does not exist"),
    });
    h.remove('FromWrongNode');
    await h.expectSteady();
  },
};

export const cloneToStorage: CustomCheck = {
  name: 'every disk of the full clone is on that storage',
  async run(h) {
    h.add('OnCeph', clone(2012, { clone: { vm_id: 9002, datastore_id: 'ceph-vm' } }));
    await h.deployExpecting('OnCeph', 'create');
    expect(options(await h.live('OnCeph'), 'scsi0').file).toBe('ceph-vm:vm-2012-disk-0');
    await h.expectSteady();
  },
};

export const cloneFull: CustomCheck = {
  name: "a linked clone's disk is a thin copy on the template's base volume",
  async run(h) {
    h.add('Linked', clone(2013, { clone: { vm_id: 9002, full: false } }));
    await h.deployExpecting('Linked', 'create');
    expect(options(await h.live('Linked'), 'scsi0').file).toBe('local-lvm:base-9002-disk-0/vm-2013-disk-0');
    await h.expectSteady();
  },
};

export const diskLifecycle: CustomCheck = {
  name: 'a disk dropped from the plan with lifecycle detach stays as an unused disk (no --allow-destroy-data needed)',
  async run(h) {
    h.add('Lifecycle', clone(2014, { disk: [{ interface: 'scsi1', size: 1, lifecycle: 'detach' }] }));
    await h.deployExpecting('Lifecycle', 'create');
    const volume = options(await h.live('Lifecycle'), 'scsi1').file;
    h.change('Lifecycle', (p) => {
      p.disk = [];
    });
    await h.deployExpecting('Lifecycle', 'update', { allowDestroyData: false });
    const live = await h.live('Lifecycle');
    expect(live.scsi1).toBeUndefined();
    expect(live.unused0).toBe(volume);
    await h.expectSteady();
  },
};

export const template: CustomCheck = {
  name: 'the VM is converted into a template (stopped, its disks base volumes)',
  async run(h) {
    h.add('Template', clone(2015, { template: true }));
    await h.deployExpecting('Template', 'create');
    const live = await h.live('Template');
    expect(Number(live.template)).toBe(1);
    expect(options(live, 'scsi0').file).toBe('local-lvm:base-2015-disk-0');
    expect(h.state.vms[2015]?.status).toBe('stopped');
    await h.expectSteady();
  },
};

export const rebootOnce: CustomCheck = {
  name: 'the new VM is rebooted once, and never again',
  async run(h) {
    h.add('Rebooted', clone(2016, { reboot: true }));
    await h.deployExpecting('Rebooted', 'create');
    expect(h.tasks('qmreboot', 2016)).toHaveLength(1);
    await h.expectSteady();
    expect(h.tasks('qmreboot', 2016)).toHaveLength(1);
  },
};

export const rebootAfterUpdate: CustomCheck = {
  name: 'an update that leaves changes pending reboots the running VM, which takes them (without it they wait)',
  async run(h) {
    h.add('Updated', clone(2017));
    await h.deployExpecting('Updated', 'create');
    h.change('Updated', (p) => {
      p.cpu = { cores: 3 };
    });
    await h.deployExpecting('Updated', 'update');
    expect(h.tasks('qmreboot', 2017)).toHaveLength(0);
    expect(h.state.vms[2017]?.pending).toEqual({ cores: 3 });

    h.change('Updated', (p) => {
      p.reboot_after_update = true;
      p.cpu = { cores: 4 };
    });
    await h.deployExpecting('Updated', 'update');
    expect(h.tasks('qmreboot', 2017)).toHaveLength(1);
    expect(h.state.vms[2017]?.pending).toBeUndefined();
    expect(h.state.vms[2017]?.config.cores).toBe(4);
    await h.expectSteady();
  },
};

export const migrated: CustomCheck = {
  name: 'a new node_name moves the running VM there, disks and all, instead of replacing it',
  async run(h) {
    h.add('Migrated', clone(2018, { migrate: true, disk: [{ interface: 'scsi1', size: 1 }] }));
    await h.deployExpecting('Migrated', 'create');
    const before = await h.live('Migrated');
    h.change('Migrated', (p) => {
      p.node_name = 'pve2';
    });
    await h.deployExpecting('Migrated', 'update');
    expect(h.state.vms[2018]).toMatchObject({ node: 'pve2', status: 'running' });
    expect(h.tasks('qmigrate', 2018)).toHaveLength(1);
    expect(h.tasks('qmdestroy', 2018)).toHaveLength(0);
    const after = await h.live('Migrated');
    expect([after.scsi0, after.scsi1, after.net0]).toEqual([before.scsi0, before.scsi1, before.net0]);
    await h.expectSteady();
  },
};

export const destroyStops: CustomCheck = {
  name: 'a running VM is stopped at once on destroy (qmstop), where otherwise it is shut down (qmshutdown)',
  async run(h) {
    h.add('StopMe', clone(2020, { stop_on_destroy: true }));
    h.add('ShutMe', clone(2021));
    await h.deployExpecting('StopMe', 'create');
    await destroy(h, 'StopMe', 'ShutMe');
    expect([h.tasks('qmstop', 2020).length, h.tasks('qmshutdown', 2020).length]).toEqual([1, 0]);
    expect([h.tasks('qmstop', 2021).length, h.tasks('qmshutdown', 2021).length]).toEqual([0, 1]);
    await h.expectSteady();
  },
};

export const destroyPurges: CustomCheck = {
  name: 'destroy takes the VM out of backup jobs and HA (purge), or leaves it there when false',
  async run(h) {
    h.add('Purged', clone(2022));
    h.add('NotPurged', clone(2023, { purge_on_destroy: false }));
    await h.deployExpecting('Purged', 'create');
    await h.emulator.api.backupJobs.create('keys-purge', {
      schedule: '02:00',
      storage: 'nfs-backup',
      vmid: '2022,2023',
    });
    await h.emulator.api.haResources.create('vm:2022', { state: 'started' });
    await destroy(h, 'Purged', 'NotPurged');
    expect(h.state.backupJobs?.['keys-purge']?.vmid).toBe('2023');
    expect(h.state.haResources?.['vm:2022']).toBeUndefined();
    await h.expectSteady();
  },
};

export const destroyUnreferenced: CustomCheck = {
  name: "destroy also removes the VM id's volumes its config does not list, or leaves them when false",
  async run(h) {
    h.add('Sweep', clone(2024));
    h.add('Leave', clone(2025, { delete_unreferenced_disks_on_destroy: false }));
    await h.deployExpecting('Sweep', 'create');
    placeUnreferencedVolume(h.state, { node: 'pve1', storage: 'local-lvm', vmid: 2024, disk: 9, sizeGiB: 1 });
    placeUnreferencedVolume(h.state, { node: 'pve1', storage: 'local-lvm', vmid: 2025, disk: 9, sizeGiB: 1 });
    await destroy(h, 'Sweep', 'Leave');
    const volumes = (await h.emulator.api.storage.content('pve1', 'local-lvm', 'images')).map((v) => v.volid);
    expect(volumes).not.toContain('local-lvm:vm-2024-disk-9');
    expect(volumes).toContain('local-lvm:vm-2025-disk-9');
    await h.expectSteady();
  },
};
