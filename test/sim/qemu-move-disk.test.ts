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
});
