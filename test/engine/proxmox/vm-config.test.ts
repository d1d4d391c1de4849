import { describe, expect, it } from 'vitest';
import { formatPropertyString, parsePropertyString } from '../../../lib/engine/proxmox/property-string.ts';
import {
  canonicalTags,
  changesForcingReplacement,
  desiredQemuConfig,
  diffQemuConfig,
  type VmProps,
} from '../../../lib/engine/proxmox/vm-config.ts';

const dbVm: VmProps = {
  node_name: 'pve1',
  vm_id: 1142,
  name: 'acme-main',
  tags: ['pvecdk', 'customer-acme', '4d-server'],
  on_boot: true,
  cpu: { cores: 4, type: 'x86-64-v2-AES' },
  memory: { dedicated: 8192 },
  agent: { enabled: true },
  operating_system: { type: 'win11' },
  network_device: [{ bridge: 'vmbr1', model: 'virtio', mac_address: 'bc:24:11:0a:0b:0c', firewall: true }],
  disk: [{ interface: 'scsi1', datastore_id: 'local-lvm', size: 100, iothread: true, discard: 'on' }],
  initialization: {
    datastore_id: 'local-lvm',
    ip_config: [{ ipv4: { address: '10.20.1.42/16', gateway: '10.20.0.1' } }],
    dns: { servers: ['10.20.0.1'] },
  },
};

describe('property strings', () => {
  it('GIVEN a net value WHEN parsed and formatted THEN model and MAC stay first and keys sort', () => {
    const map = parsePropertyString('virtio=bc:24:11:00:00:01,firewall=1,bridge=vmbr1', { nicModels: true });
    expect(Object.fromEntries(map)).toEqual({
      model: 'virtio',
      macaddr: 'BC:24:11:00:00:01',
      firewall: '1',
      bridge: 'vmbr1',
    });
    expect(formatPropertyString(map, { nicModels: true })).toBe(
      'virtio=BC:24:11:00:00:01,bridge=vmbr1,firewall=1',
    );
  });

  it('GIVEN a value with a default key WHEN parsed THEN the bare first item lands under it', () => {
    expect(
      Object.fromEntries(parsePropertyString('1,fstrim_cloned_disks=1', { defaultKey: 'enabled' })),
    ).toEqual({
      enabled: '1',
      fstrim_cloned_disks: '1',
    });
  });
});

describe('desired qemu config', () => {
  it('GIVEN a plan VM WHEN translated THEN keys and values are what the qemu API takes', () => {
    expect(desiredQemuConfig(dbVm)).toEqual({
      name: 'acme-main',
      tags: '4d-server;customer-acme;pvecdk',
      onboot: 1,
      cores: 4,
      cpu: 'x86-64-v2-AES',
      memory: '8192',
      agent: '1',
      ostype: 'win11',
      net0: 'virtio=BC:24:11:0A:0B:0C,bridge=vmbr1,firewall=1',
      scsi1: 'local-lvm:100,discard=on,iothread=1',
      ide2: 'local-lvm:cloudinit',
      ipconfig0: 'gw=10.20.0.1,ip=10.20.1.42/16',
      nameserver: '10.20.0.1',
    });
  });

  it('GIVEN tags in any case, order and separator WHEN canonicalised THEN Proxmox form results', () => {
    expect(canonicalTags('Prod, web;prod')).toBe('prod;web');
  });
});

describe('diffing desired against observed', () => {
  // As Proxmox returns it: numbers as numbers for int options, memory as string, keys reordered, disk by volume.
  const observed = {
    name: 'acme-main',
    tags: '4d-server;customer-acme;pvecdk',
    onboot: 1,
    cores: 4,
    cpu: 'x86-64-v2-AES',
    memory: '8192',
    agent: '1',
    ostype: 'win11',
    net0: 'virtio=BC:24:11:0A:0B:0C,firewall=1,bridge=vmbr1',
    scsi0: 'local-lvm:vm-1142-disk-0,size=40G',
    scsi1: 'local-lvm:vm-1142-disk-1,iothread=1,discard=on,size=100G',
    ide2: 'local-lvm:vm-1142-cloudinit,media=cdrom',
    ipconfig0: 'ip=10.20.1.42/16,gw=10.20.0.1',
    nameserver: '10.20.0.1',
    smbios1: 'uuid=5f0c...',
    digest: 'abc',
  };

  it('GIVEN the VM as Proxmox returns it after create WHEN diffed THEN there is no change (no perpetual diff)', () => {
    expect(diffQemuConfig(desiredQemuConfig(dbVm), observed)).toEqual([]);
  });

  it('GIVEN more cores in the plan WHEN diffed THEN exactly that key changes, in place', () => {
    const changes = diffQemuConfig(
      desiredQemuConfig({ ...dbVm, cpu: { cores: 8, type: 'x86-64-v2-AES' } }),
      observed,
    );
    expect(changes).toEqual([{ key: 'cores', from: '4', to: '8' }]);
    expect(changesForcingReplacement(changes)).toEqual([]);
  });

  it('GIVEN a grown data disk WHEN diffed THEN it is an in-place change; a shrunk one forces replacement', () => {
    const grow = diffQemuConfig(
      desiredQemuConfig({ ...dbVm, disk: [{ ...dbVm.disk![0]!, size: 200 }] }),
      observed,
    );
    expect(grow.map((c) => c.key)).toEqual(['scsi1']);
    expect(changesForcingReplacement(grow)).toEqual([]);
    const shrink = diffQemuConfig(
      desiredQemuConfig({ ...dbVm, disk: [{ ...dbVm.disk![0]!, size: 50 }] }),
      observed,
    );
    expect(changesForcingReplacement(shrink).map((c) => c.key)).toEqual(['scsi1']);
  });

  it('GIVEN a NIC moved to another bridge WHEN diffed THEN the change shows both canonical forms', () => {
    const changes = diffQemuConfig(
      desiredQemuConfig({ ...dbVm, network_device: [{ ...dbVm.network_device![0]!, bridge: 'vmbr2' }] }),
      observed,
    );
    expect(changes).toEqual([
      {
        key: 'net0',
        from: 'virtio=BC:24:11:0A:0B:0C,bridge=vmbr1,firewall=1',
        to: 'virtio=BC:24:11:0A:0B:0C,bridge=vmbr2,firewall=1',
      },
    ]);
  });
});

describe('what Proxmox fills in by itself', () => {
  it('GIVEN a NIC without MAC WHEN translated and diffed THEN it is sent as the bare model and the MAC Proxmox made is no change', () => {
    const vm: VmProps = { node_name: 'pve1', vm_id: 1143, network_device: [{ bridge: 'vmbr1' }] };
    expect(desiredQemuConfig(vm).net0).toBe('virtio,bridge=vmbr1');
    expect(diffQemuConfig(desiredQemuConfig(vm), { net0: 'virtio=BC:24:11:01:02:03,bridge=vmbr1' })).toEqual(
      [],
    );
    expect(
      diffQemuConfig(desiredQemuConfig({ ...vm, network_device: [{ bridge: 'vmbr2' }] }), {
        net0: 'virtio=BC:24:11:01:02:03,bridge=vmbr1',
      }),
    ).toEqual([{ key: 'net0', from: 'virtio,bridge=vmbr1', to: 'virtio,bridge=vmbr2' }]);
  });

  it('GIVEN a disk with a file format WHEN Proxmox kept no format THEN the volume tells it: the same is no change, another forces replacement', () => {
    const vm = (format: 'raw' | 'qcow2'): VmProps => ({
      node_name: 'pve1',
      vm_id: 1143,
      disk: [{ interface: 'scsi1', datastore_id: 'local', size: 4, file_format: format }],
    });
    expect(desiredQemuConfig(vm('qcow2')).scsi1).toBe('local:4,format=qcow2');
    const live = { scsi1: 'local:1143/vm-1143-disk-0.qcow2,size=4G' };
    expect(diffQemuConfig(desiredQemuConfig(vm('qcow2')), live)).toEqual([]);
    const changes = diffQemuConfig(desiredQemuConfig(vm('raw')), live);
    expect(changesForcingReplacement(changes).map((c) => c.key)).toEqual(['scsi1']);
    // A plan without a format does not compare it.
    expect(
      diffQemuConfig(
        desiredQemuConfig({ ...vm('raw'), disk: [{ interface: 'scsi1', datastore_id: 'local', size: 4 }] }),
        live,
      ),
    ).toEqual([]);
  });

  it('GIVEN EFI vars and a cloud-init drive WHEN their settings change THEN key enrolment replaces the VM, a cloud-init storage does not', () => {
    const observed = {
      efidisk0: 'local-lvm:vm-1143-disk-1,efitype=4m,size=4M',
      ide2: 'local-lvm:vm-1143-cloudinit,media=cdrom',
    };
    const vm: VmProps = {
      node_name: 'pve1',
      vm_id: 1143,
      efi_disk: { type: '4m' },
      initialization: { datastore_id: 'local-lvm' },
    };
    expect(diffQemuConfig(desiredQemuConfig(vm), observed)).toEqual([]);
    const changed = diffQemuConfig(
      desiredQemuConfig({
        ...vm,
        efi_disk: { type: '4m', pre_enrolled_keys: true },
        initialization: { datastore_id: 'ceph-vm' },
      }),
      observed,
    );
    expect(changed.map((c) => c.key)).toEqual(['efidisk0', 'ide2']);
    expect(changesForcingReplacement(changed).map((c) => c.key)).toEqual(['efidisk0']);
  });
});
