import { expect } from 'vitest';
import { types } from '../../../lib/contract/index.ts';
import { placeStorageFile } from '../../../lib/sim/api/storage-files.ts';
import type { KeyProof, TypeCoverage } from './coverage.ts';
import type { KeyHarness } from './harness.ts';
import { vmBlockKeys } from './vm-block-keys.ts';
import {
  cloneFromNode,
  cloneFull,
  cloneToStorage,
  destroyPurges,
  destroyStops,
  destroyUnreferenced,
  diskLifecycle,
  migrated,
  rebootAfterUpdate,
  rebootOnce,
  template,
} from './vm-custom.ts';
import { MAIN, options, step } from './vm-live.ts';

/**
 * `proxmox_virtual_environment_vm`: a running clone of the Debian template
 * (`Vm`) takes the keys one by one; `Uefi` takes the EFI and TPM keys (some
 * replace it); what only shows in the engine's behaviour has custom checks.
 */

const FILE = 'test/engine/every-key/vm-keys.ts';

const vmTopKeys: Record<string, KeyProof> = {
  node_name: { base: 'the node the clone is made on' },
  vm_id: { base: 'the VM id' },
  'clone.vm_id': {
    base: 'the template the base VMs are cloned from (its ostype and serial port show in them)',
  },
  'clone.node_name': { custom: cloneFromNode },
  'clone.datastore_id': { custom: cloneToStorage },
  'clone.full': { custom: cloneFull },
  'disk[].interface': { base: 'the slot of the base data disk (scsi1)' },
  name: step(
    (p) => {
      p.name = 'keys-renamed';
    },
    (live) => expect(live.name).toBe('keys-renamed'),
  ),
  description: step(
    (p) => {
      p.description = 'every key';
    },
    (live) => expect(live.description).toBe('every key'),
  ),
  tags: step(
    (p) => {
      p.tags = ['every-key'];
    },
    // pvecdk's ownership tags stay with the plan's own.
    (live) => expect(live.tags).toBe('every-key;pvecdk;pvecdk-keys'),
  ),
  pool_id: step(
    (p) => {
      p.pool_id = 'keys-pool';
    },
    (live) => expect(live['@pool']).toBe('keys-pool'),
  ),
  on_boot: step(
    (p) => {
      p.on_boot = true;
    },
    (live) => expect(Number(live.onboot)).toBe(1),
  ),
  acpi: step(
    (p) => {
      p.acpi = false;
    },
    (live) => expect(Number(live.acpi)).toBe(0),
  ),
  bios: step(
    (p) => {
      p.bios = 'ovmf';
    },
    (live) => expect(live.bios).toBe('ovmf'),
  ),
  machine: step(
    (p) => {
      p.machine = 'q35';
    },
    (live) => expect(live.machine).toBe('q35'),
  ),
  boot_order: step(
    (p) => {
      p.boot_order = ['scsi0', 'net0'];
    },
    (live) => expect(live.boot).toBe('order=scsi0;net0'),
  ),
  scsi_hardware: step(
    (p) => {
      p.scsi_hardware = 'virtio-scsi-single';
    },
    (live) => expect(live.scsihw).toBe('virtio-scsi-single'),
  ),
  keyboard_layout: step(
    (p) => {
      p.keyboard_layout = 'de';
    },
    (live) => expect(live.keyboard).toBe('de'),
  ),
  hotplug: step(
    (p) => {
      p.hotplug = 'network,disk,cpu';
    },
    (live) => expect(live.hotplug).toBe('network,disk,cpu'),
  ),
  tablet_device: step(
    (p) => {
      p.tablet_device = false;
    },
    (live) => expect(Number(live.tablet)).toBe(0),
  ),
  'cpu.cores': step(
    (p) => {
      p.cpu = { ...p.cpu, cores: 4 };
    },
    (live) => expect(Number(live.cores)).toBe(4),
  ),
  'cpu.sockets': step(
    (p) => {
      p.cpu.sockets = 2;
    },
    (live) => expect(Number(live.sockets)).toBe(2),
  ),
  'cpu.type': step(
    (p) => {
      p.cpu.type = 'x86-64-v2-AES';
    },
    (live) => expect(options(live, 'cpu').cputype).toBe('x86-64-v2-AES'),
  ),
  'cpu.flags': step(
    (p) => {
      p.cpu.flags = ['+aes', '-pcid'];
    },
    (live) => expect(options(live, 'cpu').flags).toBe('+aes;-pcid'),
  ),
  'cpu.limit': step(
    (p) => {
      p.cpu.limit = 1.5;
    },
    (live) => expect(Number(live.cpulimit)).toBe(1.5),
  ),
  'cpu.units': step(
    (p) => {
      p.cpu.units = 200;
    },
    (live) => expect(Number(live.cpuunits)).toBe(200),
  ),
  'cpu.numa': step(
    (p) => {
      p.cpu.numa = true;
    },
    (live) => expect(Number(live.numa)).toBe(1),
  ),
  'cpu.hotplugged': step(
    (p) => {
      p.cpu.hotplugged = 2;
    },
    (live) => expect(Number(live.vcpus)).toBe(2),
  ),
  'memory.dedicated': step(
    (p) => {
      p.memory = { dedicated: 3072 };
    },
    (live) => expect(Number(live.memory)).toBe(3072),
  ),
  'memory.floating': step(
    (p) => {
      p.memory.floating = 1024;
    },
    (live) => expect(Number(live.balloon)).toBe(1024),
  ),
  'agent.enabled': step(
    (p) => {
      // The template enables the agent: turning it off is what changes.
      p.agent = { enabled: false };
    },
    (live) => expect(options(live, 'agent').enabled).toBe('0'),
  ),
  'agent.trim': step(
    (p) => {
      p.agent.trim = true;
    },
    (live) => expect(options(live, 'agent').fstrim_cloned_disks).toBe('1'),
  ),
  'agent.type': step(
    (p) => {
      p.agent.type = 'isa';
    },
    (live) => expect(options(live, 'agent').type).toBe('isa'),
  ),
  'operating_system.type': step(
    (p) => {
      p.operating_system = { type: 'win11' };
    },
    (live) => expect(live.ostype).toBe('win11'),
  ),
  'startup.order': step(
    (p) => {
      p.startup = { order: 2 };
    },
    (live) => expect(live.startup).toBe('order=2'),
  ),
  'startup.up_delay': step(
    (p) => {
      p.startup.up_delay = 30;
    },
    (live) => expect(options(live, 'startup')).toMatchObject({ order: '2', up: '30' }),
  ),
  'startup.down_delay': step(
    (p) => {
      p.startup.down_delay = 60;
    },
    (live) => expect(options(live, 'startup')).toMatchObject({ down: '60' }),
  ),
  'vga.type': step(
    (p) => {
      p.vga = { type: 'virtio' };
    },
    (live) => expect(options(live, 'vga').type).toBe('virtio'),
  ),
  'vga.memory': step(
    (p) => {
      p.vga.memory = 32;
    },
    (live) => expect(options(live, 'vga').memory).toBe('32'),
  ),
  'vga.clipboard': step(
    (p) => {
      p.vga.clipboard = 'vnc';
    },
    (live) => expect(options(live, 'vga').clipboard).toBe('vnc'),
  ),
  'serial_device[].device': step(
    (p) => {
      // The template has serial0; a second port is what changes.
      p.serial_device = [{ device: 'socket' }, { device: 'socket' }];
    },
    (live) => expect(live.serial1).toBe('socket'),
  ),
  'cdrom.file_id': step(
    (p) => {
      p.cdrom = { file_id: 'local:iso/keys.iso' };
    },
    (live) => expect(live.ide3).toBe('local:iso/keys.iso,media=cdrom'),
  ),
  'cdrom.interface': step(
    (p) => {
      p.cdrom.interface = 'sata1';
    },
    // The drive moves: the old slot is emptied.
    (live) => {
      expect(live.sata1).toBe('local:iso/keys.iso,media=cdrom');
      expect(live.ide3).toBeUndefined();
    },
  ),
  'disk[].lifecycle': { custom: diskLifecycle },
  template: { custom: template },
  reboot: { custom: rebootOnce },
  reboot_after_update: { custom: rebootAfterUpdate },
  migrate: { custom: migrated },
  stop_on_destroy: { custom: destroyStops },
  purge_on_destroy: { custom: destroyPurges },
  delete_unreferenced_disks_on_destroy: { custom: destroyUnreferenced },
};

/** Last: a protected, stopped VM takes no more steps. */
const vmFinalKeys: Record<string, KeyProof> = {
  protection: step(
    (p) => {
      p.protection = true;
    },
    (live) => expect(Number(live.protection)).toBe(1),
  ),
  started: step(
    (p) => {
      p.started = false;
    },
    (live) => expect(live['@status']).toBe('stopped'),
  ),
  // A running VM keeps its old cloud-init drive until it restarts: the move is made while it is stopped.
  'initialization.interface': step(
    (p) => {
      p.initialization.interface = 'ide0';
    },
    (live) => {
      expect(live.ide0).toBe(`ceph-vm:vm-${MAIN}-cloudinit,media=cdrom`);
      expect(live.ide2).toBeUndefined();
    },
  ),
};

/** What the base VMs need around them: a second bridge, a pool, a snippet and an ISO, images on `local`. */
async function setup(h: KeyHarness): Promise<void> {
  for (const node of Object.values(h.state.nodes))
    node.network.vmbr1 = { iface: 'vmbr1', type: 'bridge', active: 1, autostart: 1 };
  await h.emulator.api.pools.create('keys-pool');
  h.state.storages.local!.content += ',images';
  for (const name of ['keys-user.yaml', 'keys-vendor.yaml', 'keys-meta.yaml'])
    placeStorageFile(h.state, { node: 'pve1', storage: 'local', content: 'snippets', name, size: 64 });
  placeStorageFile(h.state, { node: 'pve1', storage: 'local', content: 'iso', name: 'keys.iso', size: 4096 });
}

export const vmCoverage: TypeCoverage = {
  contract: types.vmType,
  file: FILE,
  base: {
    Vm: {
      node_name: 'pve1',
      vm_id: MAIN,
      name: 'keys-vm',
      clone: { vm_id: 9002 },
      disk: [{ interface: 'scsi1', size: 2 }],
      network_device: [{ bridge: 'vmbr0' }],
      initialization: { ip_config: [{ ipv4: { address: 'dhcp' } }] },
    },
    Uefi: { node_name: 'pve1', vm_id: 2002, name: 'keys-uefi', bios: 'ovmf', clone: { vm_id: 9002 } },
  },
  setup,
  async baseCheck(h) {
    const vm = h.state.vms[MAIN]!;
    expect(vm).toMatchObject({ node: 'pve1', status: 'running' });
    // From the template: its OS type and serial port; from the plan: the data disk, the NIC, cloud-init.
    expect(vm.config).toMatchObject({
      ostype: 'l26',
      serial0: 'socket',
      name: 'keys-vm',
      ipconfig0: 'ip=dhcp',
    });
    expect(String(vm.config.scsi1)).toMatch(new RegExp(`^local-lvm:vm-${MAIN}-disk-\\d+,size=2G$`));
    expect(String(vm.config.net0)).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);
  },
  keys: { ...vmTopKeys, ...vmBlockKeys, ...vmFinalKeys },
};
