import { describe, expect, it } from 'vitest';
import { emulatorWithCaller } from './emulator-call.ts';

async function vmWithDisk() {
  const env = emulatorWithCaller();
  env.call('POST', '/nodes/pve1/qemu', { vmid: 150, scsi0: 'local-lvm:2', scsi1: 'local-lvm:1' });
  await env.settle();
  return env;
}

describe('disk moves and unlinking (qemu-server move_vm_disk, unlink)', () => {
  it('GIVEN a disk on local-lvm WHEN moved to ceph-vm THEN a qmmove task copies it and keeps the source as unused0', async () => {
    const { call, settle, state, exitOf } = await vmWithDisk();
    const source = String(state.vms['150']!.config.scsi0).split(',')[0];
    const upid = call('POST', '/nodes/pve1/qemu/150/move_disk', { disk: 'scsi0', storage: 'ceph-vm' });
    expect(String(upid)).toMatch(/:qmmove:150:/);
    await settle();
    expect(exitOf(upid)).toBe('OK');
    const config = state.vms['150']!.config;
    expect(String(config.scsi0)).toMatch(/^ceph-vm:vm-150-disk-\d+,size=2G$/);
    expect(config.unused0).toBe(source);
  });

  it('GIVEN delete=1 WHEN a disk is moved THEN the source volume is freed, not kept', async () => {
    const { call, settle, state } = await vmWithDisk();
    call('POST', '/nodes/pve1/qemu/150/move_disk', { disk: 'scsi1', storage: 'ceph-vm', delete: 1 });
    await settle();
    expect(state.vms['150']!.config.unused0).toBeUndefined();
    expect(String(state.vms['150']!.config.scsi1)).toMatch(/^ceph-vm:/);
  });

  it('GIVEN moves Proxmox refuses WHEN asked THEN its answers: same storage, a storage without images, neither target, both targets', async () => {
    const { call } = await vmWithDisk();
    expect(() =>
      call('POST', '/nodes/pve1/qemu/150/move_disk', { disk: 'scsi0', storage: 'local-lvm' }),
    ).toThrow("500 you can't move to the same storage with same format");
    expect(() =>
      call('POST', '/nodes/pve1/qemu/150/move_disk', { disk: 'scsi0', storage: 'nfs-backup' }),
    ).toThrow(/400 .*does not support vm images/);
    expect(() => call('POST', '/nodes/pve1/qemu/150/move_disk', { disk: 'scsi0' })).toThrow(
      /400 .*both 'storage' and 'target-vmid' missing/,
    );
    expect(() =>
      call('POST', '/nodes/pve1/qemu/150/move_disk', { disk: 'scsi7', storage: 'ceph-vm' }),
    ).toThrow("500 disk 'scsi7' does not exist");
  });

  it('GIVEN disks WHEN unlinked THEN a drive becomes unusedN, with force it is gone, and unlinking unusedN frees it', async () => {
    const { call, state } = await vmWithDisk();
    const scsi1 = String(state.vms['150']!.config.scsi1).split(',')[0];
    call('PUT', '/nodes/pve1/qemu/150/unlink', { idlist: 'scsi1' });
    expect(state.vms['150']!.config).toMatchObject({ unused0: scsi1 });
    expect(state.vms['150']!.config.scsi1).toBeUndefined();
    call('PUT', '/nodes/pve1/qemu/150/unlink', { idlist: 'unused0' });
    expect(state.vms['150']!.config.unused0).toBeUndefined();
    call('PUT', '/nodes/pve1/qemu/150/unlink', { idlist: 'scsi0', force: 1 });
    expect(Object.keys(state.vms['150']!.config).filter((k) => /^(scsi|unused)\d/.test(k))).toEqual([]);
  });

  it('GIVEN two stopped VMs on one node WHEN a disk is moved with target-vmid THEN it is renamed to the target, leaves the source and its boot order, and joins the target', async () => {
    const { call, settle, state, exitOf } = await vmWithDisk();
    call('POST', '/nodes/pve1/qemu', { vmid: 151, scsi0: 'local-lvm:1' });
    call('PUT', '/nodes/pve1/qemu/150/config', { boot: 'order=scsi0;scsi1' });
    await settle();
    const upid = call('POST', '/nodes/pve1/qemu/150/move_disk', {
      disk: 'scsi1',
      'target-vmid': 151,
      'target-disk': 'scsi3',
    });
    expect(String(upid)).toMatch(/:qmmove:150-scsi1>151-scsi3:/);
    await settle();
    expect(exitOf(upid)).toBe('OK');
    expect(state.vms['150']!.config.scsi1).toBeUndefined();
    expect(state.vms['150']!.config.boot).toBe('order=scsi0');
    // LVM-thin names the volume after the target, with the target's next free disk number.
    expect(state.vms['151']!.config.scsi3).toBe('local-lvm:vm-151-disk-1,size=1G');
  });

  it('GIVEN a directory storage and an unused target slot WHEN reassigned THEN the file moves under the target id and the slot holds the volume alone', async () => {
    const { call, settle, state } = emulatorWithCaller();
    // The seeded `local` directory storage keeps no images; an operator's often does.
    state.storages.local!.content += ',images';
    call('POST', '/nodes/pve1/qemu', { vmid: 160, virtio0: 'local:1,format=qcow2' });
    call('POST', '/nodes/pve1/qemu', { vmid: 161 });
    await settle();
    call('POST', '/nodes/pve1/qemu/160/move_disk', {
      disk: 'virtio0',
      'target-vmid': 161,
      'target-disk': 'unused0',
    });
    await settle();
    expect(state.vms['161']!.config.unused0).toBe('local:161/vm-161-disk-0.qcow2');
    expect(state.vms['160']!.config.virtio0).toBeUndefined();
  });

  it('GIVEN reassigns Proxmox refuses WHEN asked THEN its answers: same VM, storage and target both, no target VM, other node, key in use, running source, snapshot, template', async () => {
    const { call, settle, state } = await vmWithDisk();
    call('POST', '/nodes/pve1/qemu', { vmid: 151, scsi0: 'local-lvm:1' });
    call('POST', '/nodes/pve2/qemu', { vmid: 152 });
    await settle();
    const move = (params: Record<string, string | number>) => () =>
      call('POST', '/nodes/pve1/qemu/150/move_disk', { disk: 'scsi1', ...params });
    expect(move({ 'target-vmid': 150 })).toThrow(/400 .*must be different than source VMID to reassign disk/);
    expect(move({ 'target-vmid': 151, storage: 'ceph-vm' })).toThrow(
      /400 .*either set 'storage' or 'target-vmid', but not both/,
    );
    expect(move({ 'target-vmid': 199 })).toThrow('500 could not find target VM 199');
    expect(move({ 'target-vmid': 152 })).toThrow('500 Both VMs need to be on the same node (pve1 != pve2)');
    expect(move({ 'target-vmid': 151, 'target-disk': 'scsi0' })).toThrow(
      "500 Target disk key 'scsi0' is already in use for VM '151'",
    );
    expect(move({ 'target-vmid': 151, disk: 'scsi9' })).toThrow(
      "500 Disk 'scsi9' for VM '150' does not exist",
    );
    call('POST', '/nodes/pve1/qemu/150/status/start');
    await settle();
    expect(move({ 'target-vmid': 151 })).toThrow(
      '500 Cannot move disk to another VM while the source VM is running - detach first',
    );
    call('POST', '/nodes/pve1/qemu/150/status/stop');
    await settle();
    call('POST', '/nodes/pve1/qemu/150/snapshot', { snapname: 'before' });
    await settle();
    expect(move({ 'target-vmid': 151 })).toThrow("500 Can't move disk used by a snapshot to another VM");
    const templateNode = state.vms['9002']!.node;
    call('POST', `/nodes/${templateNode}/qemu`, { vmid: 153 });
    await settle();
    expect(() =>
      call('POST', `/nodes/${templateNode}/qemu/9002/move_disk`, { disk: 'scsi0', 'target-vmid': 153 }),
    ).toThrow("500 Can't move disks from or to template VMs");
    expect(state.vms['151']!.config.scsi1).toBeUndefined();
  });
});
