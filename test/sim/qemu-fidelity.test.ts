import { describe, expect, it } from 'vitest';
import { placeStorageFile, placeUnreferencedVolume } from '../../lib/sim/api/storage-files.ts';
import { emulatorWithCaller } from './emulator-call.ts';

/** The emulated qemu-server and pve-storage behaviours the every-key test relies on, one at a time. */

describe('emulated volumes', () => {
  it('GIVEN new drives on LVM-thin WHEN a VM is created THEN volumes are numbered per storage, keep no format, and EFI vars and TPM state get their fixed sizes', () => {
    const { call, state } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', {
      vmid: 300,
      scsi0: 'local-lvm:4,format=raw',
      efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=1',
      tpmstate0: 'local-lvm:1,version=v2.0',
      scsi1: 'ceph-vm:2',
    });
    expect(state.vms[300]!.config).toMatchObject({
      scsi0: 'local-lvm:vm-300-disk-0,size=4G',
      efidisk0: 'local-lvm:vm-300-disk-1,efitype=4m,pre-enrolled-keys=1,size=4M',
      tpmstate0: 'local-lvm:vm-300-disk-2,size=4M,version=v2.0',
      scsi1: 'ceph-vm:vm-300-disk-0,size=2G',
    });
  });

  it('GIVEN a directory storage holding images WHEN drives are allocated THEN they are files named by format, EFI vars of their exact size; a block storage refuses qcow2', async () => {
    const { call, state, settle } = emulatorWithCaller();
    expect(() => call('POST', '/nodes/pve1/qemu', { vmid: 301, scsi0: 'local:4' })).toThrow(
      "storage 'local' does not support vm images",
    );
    state.storages.local!.content += ',images';
    call('POST', '/nodes/pve1/qemu', {
      vmid: 301,
      scsi0: 'local:4,format=qcow2',
      efidisk0: 'local:1,efitype=4m',
    });
    await settle();
    expect(state.vms[301]!.config).toMatchObject({
      scsi0: 'local:301/vm-301-disk-0.qcow2,size=4G',
      efidisk0: 'local:301/vm-301-disk-1.raw,efitype=4m,size=528K',
    });
    expect(() => call('PUT', '/nodes/pve1/qemu/301/config', { scsi1: 'local-lvm:1,format=qcow2' })).toThrow(
      "unsupported format 'qcow2'",
    );
  });

  it('GIVEN a template WHEN cloned linked THEN its disk is a thin copy named after the base volume, listed as the VM id', async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 302, full: 0 });
    await settle();
    expect((call('GET', '/nodes/pve1/qemu/302/config') as Record<string, string>).scsi0).toBe(
      'local-lvm:base-9002-disk-0/vm-302-disk-0,size=8G',
    );
    const content = call('GET', '/nodes/pve1/storage/local-lvm/content') as Array<{
      volid: string;
      vmid: number;
    }>;
    expect(content).toContainEqual(
      expect.objectContaining({ volid: 'local-lvm:base-9002-disk-0/vm-302-disk-0', vmid: 302 }),
    );
  });
});

describe('emulated running-VM changes', () => {
  it('GIVEN a running VM WHEN changed THEN fast-plug options, NICs, new disks and throttling apply at once, the rest waits in pending', async () => {
    const { call, state, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 303, scsi0: 'local-lvm:1', net0: 'virtio,bridge=vmbr0' });
    await settle();
    call('POST', '/nodes/pve1/qemu/303/status/start');
    await settle();
    const disk = String(state.vms[303]!.config.scsi0);
    call('PUT', '/nodes/pve1/qemu/303/config', {
      name: 'hot',
      cores: 4,
      boot: 'order=scsi0',
      net0: 'e1000,bridge=vmbr0',
      scsi1: 'local-lvm:1',
      scsi0: `${disk},iops_rd=100`,
    });
    call('PUT', '/nodes/pve1/qemu/303/config', { scsi0: `${disk},iops_rd=100,cache=writeback` });
    const vm = state.vms[303]!;
    // Written back as print_drive does: the volume, then the options sorted.
    const volume = disk.split(',')[0]!;
    expect(vm.config).toMatchObject({ name: 'hot', scsi0: `${volume},iops_rd=100,size=1G` });
    expect(String(vm.config.net0)).toMatch(/^e1000=/);
    expect(vm.config.scsi1).toBeDefined();
    expect(vm.pending).toEqual({
      cores: 4,
      boot: 'order=scsi0',
      scsi0: `${volume},cache=writeback,iops_rd=100,size=1G`,
    });
    // A change back to the current value is no change.
    call('PUT', '/nodes/pve1/qemu/303/config', { scsi0: `${disk},iops_rd=100` });
    expect(vm.pending).toEqual({ cores: 4, boot: 'order=scsi0' });
  });
});

describe('emulated drive and device checks', () => {
  it('GIVEN a VM with a cloud-init drive WHEN a second one is added THEN it is refused; a moved one is taken once the old one is gone', async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 304, ide2: 'local-lvm:cloudinit' });
    await settle();
    expect(() => call('PUT', '/nodes/pve1/qemu/304/config', { ide0: 'local-lvm:cloudinit' })).toThrow(
      "ide0 - cloud-init drive is already attached at 'ide2'",
    );
    call('PUT', '/nodes/pve1/qemu/304/config', { ide0: 'ceph-vm:cloudinit', delete: 'ide2' });
    expect(call('GET', '/nodes/pve1/qemu/304/config')).toMatchObject({
      ide0: 'ceph-vm:vm-304-cloudinit,media=cdrom',
    });
  });

  it('GIVEN a boot order WHEN it names a device the VM lacks THEN Proxmox refuses it', async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 312, scsi0: 'local-lvm:1' });
    await settle();
    expect(() => call('PUT', '/nodes/pve1/qemu/312/config', { boot: 'order=scsi0;net0' })).toThrow(
      "invalid bootorder: device 'net0' does not exist'",
    );
    call('PUT', '/nodes/pve1/qemu/312/config', { boot: 'order=scsi0;net0', net0: 'virtio,bridge=vmbr0' });
  });

  it('GIVEN CD-ROM drives WHEN an ISO is inserted THEN it must exist, and a new drive joins the boot order', async () => {
    const { call, state, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 305, scsi0: 'local-lvm:1', boot: 'order=scsi0' });
    await settle();
    expect(() =>
      call('PUT', '/nodes/pve1/qemu/305/config', { ide3: 'local:iso/none.iso,media=cdrom' }),
    ).toThrow('volume local:iso/none.iso does not exist');
    placeStorageFile(state, { node: 'pve1', storage: 'local', content: 'iso', name: 'os.iso', size: 1 });
    call('PUT', '/nodes/pve1/qemu/305/config', { ide3: 'local:iso/os.iso,media=cdrom' });
    expect(state.vms[305]!.config).toMatchObject({
      ide3: 'local:iso/os.iso,media=cdrom',
      boot: 'order=scsi0;ide3',
    });
  });

  it('GIVEN an API token of root WHEN a serial port is put on a host device THEN Proxmox refuses it (root@pam only); a socket is fine', async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 306 });
    await settle();
    expect(() => call('PUT', '/nodes/pve1/qemu/306/config', { serial0: '/dev/ttyS0' })).toThrow(
      "only root can modify 'serial0' config for real devices",
    );
    call('PUT', '/nodes/pve1/qemu/306/config', { serial0: 'socket' });
  });

  it('GIVEN a cloud-init password WHEN the config is read THEN only that one is set shows', async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 307, cipassword: 'hunter2' });
    await settle();
    expect(JSON.stringify(call('GET', '/nodes/pve1/qemu/307/config'))).not.toContain('hunter2');
    expect(call('GET', '/nodes/pve1/qemu/307/config')).toMatchObject({ cipassword: '**********' });
  });
});

describe('emulated destroy and migration', () => {
  it('GIVEN a protected VM and one under HA WHEN destroyed THEN the first is refused, the second too without purge', async () => {
    const { call, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 308, protection: 1 });
    await settle();
    call('POST', '/nodes/pve1/qemu', { vmid: 309 });
    await settle();
    call('POST', '/cluster/ha/resources', { sid: 'vm:309' });
    expect(() => call('DELETE', '/nodes/pve1/qemu/308')).toThrow(
      "can't remove VM 308 - protection mode enabled",
    );
    expect(() => call('DELETE', '/nodes/pve1/qemu/309')).toThrow(
      'unable to remove VM 309 - used in HA resources and purge parameter not set.',
    );
  });

  it('GIVEN a VM in backup jobs, HA and with an unreferenced volume WHEN destroyed with purge and destroy-unreferenced-disks THEN all of it goes', async () => {
    const { call, state, settle } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu', { vmid: 310 });
    await settle();
    call('POST', '/cluster/backup', {
      id: 'both',
      schedule: '02:00',
      storage: 'nfs-backup',
      vmid: '310,9002',
    });
    call('POST', '/cluster/backup', { id: 'only', schedule: '02:00', storage: 'nfs-backup', vmid: '310' });
    call('POST', '/cluster/ha/resources', { sid: 'vm:310' });
    placeUnreferencedVolume(state, { node: 'pve1', storage: 'local-lvm', vmid: 310, disk: 7, sizeGiB: 1 });
    call('DELETE', '/nodes/pve1/qemu/310', { purge: 1, 'destroy-unreferenced-disks': 1 });
    await settle();
    expect(state.vms[310]).toBeUndefined();
    expect(state.backupJobs).toEqual({ both: expect.objectContaining({ vmid: '9002' }) });
    expect(state.haResources).toEqual({});
    expect(Object.values(state.storageFiles ?? {})).toEqual([]);
  });

  it('GIVEN a running VM on local storage WHEN migrated online THEN it needs with-local-disks', async () => {
    const { call, state, settle, exitOf } = emulatorWithCaller();
    call('POST', '/nodes/pve1/qemu/9002/clone', { newid: 311, full: 1 });
    await settle();
    call('POST', '/nodes/pve1/qemu/311/status/start');
    await settle();
    const refused = call('POST', '/nodes/pve1/qemu/311/migrate', { target: 'pve2', online: 1 });
    await settle();
    expect(exitOf(refused)).toMatch(
      /can't live migrate attached local disks without with-local-disks option/,
    );
    expect(state.vms[311]!.node).toBe('pve1');
    call('POST', '/nodes/pve1/qemu/311/migrate', { target: 'pve2', online: 1, 'with-local-disks': 1 });
    await settle();
    expect(state.vms[311]!.node).toBe('pve2');
  });
});
