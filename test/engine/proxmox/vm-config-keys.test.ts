import { describe, expect, it } from 'vitest';
import { propertyLeaves } from '../../../lib/engine/planned-properties.ts';
import { desiredQemuConfig, type VmProps } from '../../../lib/engine/proxmox/vm-config.ts';
import { asPlanValue, vmConfigKeyOf, vmPlanPathOf } from '../../../lib/engine/proxmox/vm-config-keys.ts';

/** A VM that sets every key the engine applies, drives off their default slots. */
const everyKey: VmProps = {
  node_name: 'pve1',
  vm_id: 1150,
  name: 'full',
  description: 'every key',
  tags: ['a', 'b'],
  pool_id: 'customer-acme',
  on_boot: true,
  started: true,
  template: false,
  reboot: false,
  reboot_after_update: false,
  migrate: true,
  protection: true,
  acpi: true,
  bios: 'ovmf',
  machine: 'q35',
  boot_order: ['scsi0', 'net0'],
  scsi_hardware: 'virtio-scsi-single',
  keyboard_layout: 'de',
  hotplug: 'network,disk',
  tablet_device: false,
  stop_on_destroy: true,
  purge_on_destroy: true,
  delete_unreferenced_disks_on_destroy: true,
  clone: { vm_id: 9000, node_name: 'pve2', datastore_id: 'local-lvm', full: true },
  cpu: {
    cores: 4,
    sockets: 2,
    type: 'host',
    flags: ['+aes'],
    limit: 2,
    units: 200,
    numa: true,
    hotplugged: 2,
  },
  memory: { dedicated: 8192, floating: 2048 },
  agent: { enabled: true, trim: true, type: 'virtio' },
  disk: [
    {
      interface: 'virtio1',
      datastore_id: 'local-lvm',
      size: 40,
      file_format: 'raw',
      aio: 'native',
      cache: 'writeback',
      discard: 'on',
      iothread: true,
      ssd: true,
      backup: false,
      replicate: false,
      serial: 'data',
      lifecycle: 'retain',
      speed: { read: 100, write: 100, iops_read: 1000 },
    },
    { interface: 'scsi0', size: 8 },
  ],
  network_device: [
    {
      bridge: 'vmbr1',
      model: 'virtio',
      mac_address: 'BC:24:11:00:00:01',
      firewall: true,
      vlan_id: 10,
      mtu: 1,
    },
    { bridge: 'vmbr2', queues: 2, rate_limit: 10, disconnected: true, trunks: '20;30' },
  ],
  initialization: {
    datastore_id: 'local-lvm',
    interface: 'sata0',
    type: 'nocloud',
    dns: { domain: 'example.com', servers: ['10.0.0.1', '10.0.0.2'] },
    ip_config: [
      { ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' } },
      { ipv6: { address: 'fd00::5/64', gateway: 'fd00::1' } },
    ],
    user_account: { username: 'admin', password: { secret: 'env:PW' }, keys: ['ssh-ed25519 AAAA'] },
    user_data_file_id: 'local:snippets/user.yaml',
  },
  operating_system: { type: 'l26' },
  startup: { order: 1, up_delay: 5, down_delay: 5 },
  vga: { type: 'qxl', memory: 32, clipboard: 'vnc' },
  efi_disk: { datastore_id: 'local-lvm', type: '4m', pre_enrolled_keys: true, file_format: 'raw' },
  tpm_state: { datastore_id: 'local-lvm', version: 'v2.0' },
  serial_device: [{ device: 'socket' }, {}],
  cdrom: { file_id: 'none', interface: 'ide0' },
};

/** API parameters of the create, clone and destroy calls that plan keys are sent as, besides config keys. */
const CALL_PARAMETERS = new Set([
  'vmid',
  'node',
  'pool',
  'storage',
  'full',
  'purge',
  'destroy-unreferenced-disks',
]);

describe('VM plan paths beside qemu config keys', () => {
  it('GIVEN a VM setting every applied key WHEN each config key it asks for is named as a plan path THEN that plan path is sent as the same config key', () => {
    const desired = desiredQemuConfig(everyKey);
    const named = Object.keys(desired)
      .sort()
      .map((key) => [key, vmPlanPathOf(key, everyKey, undefined, String(desired[key]))]);
    for (const [key, path] of named) expect(vmConfigKeyOf(path!, everyKey), `${key} → ${path}`).toBe(key);
    expect(Object.fromEntries(named)).toMatchObject({
      cores: 'cpu.cores',
      memory: 'memory.dedicated',
      balloon: 'memory.floating',
      vcpus: 'cpu.hotplugged',
      cpu: 'cpu.type',
      boot: 'boot_order',
      onboot: 'on_boot',
      scsihw: 'scsi_hardware',
      ostype: 'operating_system.type',
      virtio1: 'disk[0]',
      scsi0: 'disk[1]',
      ide0: 'cdrom',
      sata0: 'initialization.datastore_id',
      net1: 'network_device[1]',
      serial1: 'serial_device[1]',
      ipconfig1: 'initialization.ip_config[1]',
      sshkeys: 'initialization.user_account.keys',
      ciuser: 'initialization.user_account.username',
      nameserver: 'initialization.dns.servers',
      searchdomain: 'initialization.dns.domain',
      citype: 'initialization.type',
      cicustom: 'initialization.user_data_file_id',
      efidisk0: 'efi_disk',
      tpmstate0: 'tpm_state',
    });
  });

  it('GIVEN every plan leaf of that VM WHEN its Proxmox key is asked THEN it is a config key the VM has or a call parameter, and only what the engine alone acts on has none', () => {
    const desired = desiredQemuConfig(everyKey);
    const none: string[] = [];
    for (const path of propertyLeaves(everyKey).keys()) {
      const key = vmConfigKeyOf(path, everyKey);
      if (key === undefined) none.push(path);
      else if (key !== 'cipassword' && !CALL_PARAMETERS.has(key) && key !== 'template')
        expect(Object.keys(desired), path).toContain(key);
    }
    expect(none.sort()).toEqual([
      'clone.node_name',
      'clone.vm_id',
      'disk[0].lifecycle',
      'migrate',
      'reboot',
      'reboot_after_update',
      'started',
      'stop_on_destroy',
    ]);
  });

  it('GIVEN a cpu or cicustom change WHEN named THEN only the part that differs is named: the flags, or the one snippet', () => {
    expect(vmPlanPathOf('cpu', everyKey, 'host,flags=+aes', 'host,flags=+aes;+pcid')).toBe('cpu.flags');
    expect(vmPlanPathOf('cpu', everyKey, 'kvm64', 'host')).toBe('cpu.type');
    expect(vmPlanPathOf('cicustom', everyKey, 'user=a', 'user=a,vendor=b')).toBe(
      'initialization.vendor_data_file_id',
    );
    expect(vmPlanPathOf('cicustom', everyKey, 'user=a', 'user=b,vendor=b')).toBe('initialization');
  });

  it('GIVEN config text WHEN shown for a number or flag plan property THEN it reads as the plan writes it; other text stays', () => {
    expect(asPlanValue(8192, '4096')).toBe(4096);
    expect(asPlanValue(true, '0')).toBe(false);
    expect(asPlanValue('host', '1')).toBe('1');
    expect(asPlanValue(4, undefined)).toBeUndefined();
  });
});
