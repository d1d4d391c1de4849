import type { PropertiesOf } from '../../contract/plan-type.ts';
import type { vmType } from '../../contract/types/vm.ts';
import { formatPropertyString, type PropertyMap, parsePropertyString } from './property-string.ts';

/**
 * Translates the plan's VM properties (bpg/proxmox attribute names) to the
 * Proxmox qemu config keys, and compares desired and observed configs in one
 * canonical form. Only keys the plan declares are managed: whatever else the
 * VM has (smbios1, vmgenid, meta, unused disks) is left alone.
 */
export type QemuConfig = Record<string, string | number>;

/** A VM's plan properties, references resolved. */
export type VmProps = PropertiesOf<typeof vmType>;
type Disk = NonNullable<VmProps['disk']>[number];
type Nic = NonNullable<VmProps['network_device']>[number];

const flag = (v: boolean): number => (v ? 1 : 0);

/** Drive slots holding disks (not the EFI vars or TPM state). */
export const DISK_SLOT = /^(scsi|virtio|sata|ide)\d+$/;
/** Every key holding a volume. */
export const DRIVE_KEY = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;

/** Proxmox stores tags lower-cased, deduplicated, sorted, joined by `;`. */
export function canonicalTags(tags: readonly string[] | string | number | undefined): string {
  const items = Array.isArray(tags) ? tags.map(String) : String(tags ?? '').split(/[;, ]+/);
  return [...new Set(items.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort().join(';');
}

function netValue(nic: Nic): string {
  const map: PropertyMap = new Map();
  map.set('model', nic.model ?? 'virtio');
  if (nic.mac_address) map.set('macaddr', nic.mac_address.toUpperCase());
  map.set('bridge', nic.bridge ?? 'vmbr0');
  if (nic.firewall) map.set('firewall', '1');
  if (nic.vlan_id) map.set('tag', String(nic.vlan_id));
  if (nic.trunks) map.set('trunks', nic.trunks);
  if (nic.mtu) map.set('mtu', String(nic.mtu));
  if (nic.queues) map.set('queues', String(nic.queues));
  if (nic.rate_limit) map.set('rate', String(nic.rate_limit));
  if (nic.disconnected) map.set('link_down', '1');
  return formatPropertyString(map, { nicModels: true });
}

const SPEED_OPTIONS = [
  ['iops_read', 'iops_rd'],
  ['iops_read_burstable', 'iops_rd_max'],
  ['iops_write', 'iops_wr'],
  ['iops_write_burstable', 'iops_wr_max'],
  ['read', 'mbps_rd'],
  ['read_burstable', 'mbps_rd_max'],
  ['write', 'mbps_wr'],
  ['write_burstable', 'mbps_wr_max'],
] as const;

/**
 * The drive options a plan disk sets, as Proxmox names them: no file, no
 * size, and no format, which Proxmox takes when it allocates the volume and
 * then drops from the drive (the volume's name tells it).
 */
export function diskOptions(disk: Disk): PropertyMap {
  const map: PropertyMap = new Map();
  if (disk.iothread) map.set('iothread', '1');
  if (disk.ssd) map.set('ssd', '1');
  if (disk.discard === 'on') map.set('discard', 'on');
  if (disk.cache && disk.cache !== 'none') map.set('cache', disk.cache);
  if (disk.aio) map.set('aio', disk.aio);
  if (disk.backup === false) map.set('backup', '0');
  if (disk.replicate === false) map.set('replicate', '0');
  if (disk.serial) map.set('serial', disk.serial);
  for (const [plan, key] of SPEED_OPTIONS) {
    const v = disk.speed?.[plan];
    if (v) map.set(key, String(v));
  }
  return map;
}

/** The create/update form of a disk: `local-lvm:32,iothread=1` allocates 32 GiB. */
function diskValue(disk: Disk): string {
  const map = diskOptions(disk);
  if (disk.file_format) map.set('format', disk.file_format);
  map.set('file', `${disk.datastore_id ?? 'local-lvm'}:${disk.size ?? 8}`);
  return formatPropertyString(map, { defaultKey: 'file' });
}

function cdromValue(cdrom: NonNullable<VmProps['cdrom']>): string {
  const file = cdrom.file_id ?? 'none';
  return `${file},media=cdrom`;
}

/** The CD-ROM slot of a plan (`ide3` by default, as the provider). */
export const cdromSlot = (props: VmProps): string | undefined =>
  props.cdrom ? (props.cdrom.interface ?? 'ide3') : undefined;

/** The cloud-init drive slot of a plan (`ide2` by default). */
export const cloudInitSlot = (props: VmProps): string | undefined =>
  props.initialization ? (props.initialization.interface ?? 'ide2') : undefined;

/**
 * The qemu config keys and values a plan's VM properties ask for. Clone,
 * pool, power state, template conversion and the cloud-init password are
 * handled by the VM handler itself.
 */
export function desiredQemuConfig(props: VmProps, tags: readonly string[] = props.tags ?? []): QemuConfig {
  const c: QemuConfig = {};
  if (props.name !== undefined) c.name = props.name;
  if (props.description !== undefined) c.description = props.description;
  if (props.tags !== undefined || tags.length) c.tags = canonicalTags(tags);
  if (props.on_boot !== undefined) c.onboot = flag(props.on_boot);
  if (props.protection !== undefined) c.protection = flag(props.protection);
  if (props.bios !== undefined) c.bios = props.bios;
  if (props.machine !== undefined) c.machine = props.machine;
  if (props.scsi_hardware !== undefined) c.scsihw = props.scsi_hardware;
  if (props.keyboard_layout !== undefined) c.keyboard = props.keyboard_layout;
  if (props.tablet_device !== undefined) c.tablet = flag(props.tablet_device);
  if (props.acpi !== undefined) c.acpi = flag(props.acpi);
  if (props.hotplug !== undefined) c.hotplug = props.hotplug;
  if (props.boot_order !== undefined) c.boot = `order=${props.boot_order.join(';')}`;

  const cpu = props.cpu;
  if (cpu) {
    if (cpu.cores !== undefined) c.cores = cpu.cores;
    if (cpu.sockets !== undefined) c.sockets = cpu.sockets;
    if (cpu.numa !== undefined) c.numa = flag(cpu.numa);
    if (cpu.limit !== undefined) c.cpulimit = String(cpu.limit);
    if (cpu.units !== undefined) c.cpuunits = cpu.units;
    if (cpu.hotplugged) c.vcpus = cpu.hotplugged;
    if (cpu.type !== undefined) {
      const map: PropertyMap = new Map([['cputype', cpu.type]]);
      if (cpu.flags?.length) map.set('flags', cpu.flags.join(';'));
      c.cpu = formatPropertyString(map, { defaultKey: 'cputype' });
    }
  }
  const memory = props.memory;
  if (memory) {
    if (memory.dedicated !== undefined) c.memory = String(memory.dedicated);
    if (memory.floating !== undefined) c.balloon = memory.floating;
  }
  const agent = props.agent;
  if (agent) {
    const map: PropertyMap = new Map([['enabled', agent.enabled ? '1' : '0']]);
    if (agent.trim) map.set('fstrim_cloned_disks', '1');
    if (agent.type && agent.type !== 'virtio') map.set('type', agent.type);
    c.agent = formatPropertyString(map, { defaultKey: 'enabled' });
  }
  if (props.operating_system?.type !== undefined) c.ostype = props.operating_system.type;
  const startup = props.startup;
  if (startup) {
    const map: PropertyMap = new Map();
    if (startup.order !== undefined && startup.order >= 0) map.set('order', String(startup.order));
    if (startup.up_delay !== undefined && startup.up_delay >= 0) map.set('up', String(startup.up_delay));
    if (startup.down_delay !== undefined && startup.down_delay >= 0)
      map.set('down', String(startup.down_delay));
    c.startup = formatPropertyString(map);
  }
  const vga = props.vga;
  if (vga) {
    const map: PropertyMap = new Map([['type', vga.type ?? 'std']]);
    if (vga.memory !== undefined) map.set('memory', String(vga.memory));
    if (vga.clipboard) map.set('clipboard', vga.clipboard);
    c.vga = formatPropertyString(map, { defaultKey: 'type' });
  }
  (props.serial_device ?? []).forEach((s, i) => {
    c[`serial${i}`] = s.device ?? 'socket';
  });
  (props.network_device ?? []).forEach((nic, i) => {
    c[`net${i}`] = netValue(nic);
  });
  for (const disk of props.disk ?? []) c[disk.interface] = diskValue(disk);
  if (props.efi_disk) {
    const efi = props.efi_disk;
    const map: PropertyMap = new Map([
      ['file', `${efi.datastore_id ?? 'local-lvm'}:1`],
      ['efitype', efi.type ?? '2m'],
      ['pre-enrolled-keys', efi.pre_enrolled_keys ? '1' : '0'],
    ]);
    if (efi.file_format) map.set('format', efi.file_format);
    c.efidisk0 = formatPropertyString(map, { defaultKey: 'file' });
  }
  if (props.tpm_state) {
    const tpm = props.tpm_state;
    c.tpmstate0 = formatPropertyString(
      new Map([
        ['file', `${tpm.datastore_id ?? 'local-lvm'}:1`],
        ['version', tpm.version ?? 'v2.0'],
      ]),
      { defaultKey: 'file' },
    );
  }
  const cdrom = cdromSlot(props);
  if (cdrom && props.cdrom) c[cdrom] = cdromValue(props.cdrom);

  const init = props.initialization;
  const initSlot = cloudInitSlot(props);
  if (init && initSlot) {
    c[initSlot] = `${init.datastore_id ?? 'local-lvm'}:cloudinit`;
    if (init.type !== undefined) c.citype = init.type;
    (init.ip_config ?? []).forEach((ip, i) => {
      const map: PropertyMap = new Map();
      if (ip.ipv4?.address) map.set('ip', ip.ipv4.address);
      if (ip.ipv4?.gateway) map.set('gw', ip.ipv4.gateway);
      if (ip.ipv6?.address) map.set('ip6', ip.ipv6.address);
      if (ip.ipv6?.gateway) map.set('gw6', ip.ipv6.gateway);
      c[`ipconfig${i}`] = formatPropertyString(map);
    });
    if (init.dns?.servers) c.nameserver = init.dns.servers.join(' ');
    if (init.dns?.domain) c.searchdomain = init.dns.domain;
    const user = init.user_account;
    if (user?.username) c.ciuser = user.username;
    // Keys named by secret reference are public key lines once the engine resolved them.
    if (user?.keys) c.sshkeys = encodeURIComponent(user.keys.map((k) => String(k)).join('\n'));
    const custom: PropertyMap = new Map();
    if (init.user_data_file_id) custom.set('user', init.user_data_file_id);
    if (init.vendor_data_file_id) custom.set('vendor', init.vendor_data_file_id);
    if (init.meta_data_file_id) custom.set('meta', init.meta_data_file_id);
    if (custom.size) c.cicustom = formatPropertyString(custom);
  }
  return c;
}

const DEFAULT_KEY: Readonly<Record<string, string>> = { agent: 'enabled', vga: 'type', cpu: 'cputype' };

/** Canonical text of one config value, so `desired` and `observed` compare equal when Proxmox would treat them alike. */
export function canonicalValue(key: string, value: string | number, side: 'desired' | 'observed'): string {
  const text = String(value);
  if (key === 'tags') return canonicalTags(text);
  if (/^net\d+$/.test(key))
    return formatPropertyString(parsePropertyString(text, { nicModels: true }), { nicModels: true });
  if (key === 'efidisk0' || key === 'tpmstate0') return canonicalSpecialDisk(key, text);
  if (DISK_SLOT.test(key)) return canonicalDisk(text, side);
  if (DEFAULT_KEY[key]) {
    const defaultKey = DEFAULT_KEY[key];
    return formatPropertyString(parsePropertyString(text, { defaultKey }), { defaultKey });
  }
  if (/^ipconfig\d+$/.test(key) || key === 'startup' || key === 'boot' || key === 'cicustom') {
    return formatPropertyString(parsePropertyString(text));
  }
  if (key === 'sshkeys') return decodeURIComponent(text).trim();
  return text;
}

/**
 * Disks compare by storage, size and the options the plan sets. A desired
 * `local-lvm:32` (allocate 32 GiB) equals an observed
 * `local-lvm:vm-1100-disk-1,size=32G`; a cloud-init drive compares by
 * storage only, a CD-ROM by what is inserted.
 */
function canonicalDisk(text: string, side: 'desired' | 'observed'): string {
  const map = parsePropertyString(text, { defaultKey: 'file' });
  const file = map.get('file') ?? '';
  if (map.get('media') === 'cdrom' && !/cloudinit/.test(file)) return `${file},media=cdrom`;
  const storage = file.split(':')[0] ?? '';
  map.delete('file');
  if (file.endsWith(':cloudinit') || /cloudinit/.test(file)) return `${storage}:cloudinit`;
  let size: string | undefined;
  if (side === 'desired') size = /^[^:]+:(\d+)$/.exec(file)?.[1];
  else size = normaliseSize(map.get('size'));
  map.delete('size');
  return formatPropertyString(new Map([['file', `${storage}:${size ?? '?'}`], ...map]), {
    defaultKey: 'file',
  });
}

/** EFI vars and TPM state: their size follows from their type, so storage and options are what compare. */
function canonicalSpecialDisk(key: string, text: string): string {
  const map = parsePropertyString(text, { defaultKey: 'file' });
  const storage = (map.get('file') ?? '').split(':')[0] ?? '';
  map.delete('file');
  map.delete('size');
  if (map.get('pre-enrolled-keys') === '0') map.delete('pre-enrolled-keys');
  // Proxmox's defaults when the option is not written (qemu-server's drive formats).
  if (key === 'efidisk0' && !map.has('efitype')) map.set('efitype', '2m');
  if (key === 'tpmstate0' && !map.has('version')) map.set('version', 'v1.2');
  return formatPropertyString(new Map([['file', storage], ...map]), { defaultKey: 'file' });
}

/** `32G` → `32`, `512M` → `0.5`, `1T` → `1024` (GiB). */
export function normaliseSize(size: string | undefined): string | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size ?? '');
  if (!m) return undefined;
  const factor = { K: 1 / 1024 / 1024, M: 1 / 1024, G: 1, T: 1024, '': 1 / 1024 / 1024 / 1024 }[m[2] as 'K'];
  return String(Number(m[1]) * factor);
}

export interface ConfigChange {
  readonly key: string;
  readonly from: string | undefined;
  readonly to: string;
}

/**
 * An observed value with what Proxmox fills in by itself reduced to what
 * the desired value asks for: a NIC's generated MAC when the plan gives
 * none; a volume's format, read from the volume (an explicit `format`, else
 * its file suffix, else raw), only when the plan sets one.
 */
export function observedAsDesired(key: string, observed: string, desired: string): string {
  if (/^net\d+$/.test(key)) {
    const want = parsePropertyString(desired, { nicModels: true });
    if (want.has('macaddr')) return observed;
    const have = parsePropertyString(observed, { nicModels: true });
    have.delete('macaddr');
    return formatPropertyString(have, { nicModels: true });
  }
  if (DRIVE_KEY.test(key) && !/media=cdrom/.test(observed)) {
    const want = parsePropertyString(desired, { defaultKey: 'file' });
    const have = parsePropertyString(observed, { defaultKey: 'file' });
    if (want.has('format')) have.set('format', have.get('format') ?? volumeFormat(have.get('file') ?? ''));
    else have.delete('format');
    return formatPropertyString(have, { defaultKey: 'file' });
  }
  return observed;
}

/** The format of a volume: its file suffix (`vm-100-disk-0.qcow2`), or raw (block storages). */
export const volumeFormat = (volid: string): string => /\.(raw|qcow2|vmdk)$/.exec(volid)?.[1] ?? 'raw';

/** Keys of `desired` whose canonical value differs from `observed`. */
export function diffQemuConfig(desired: QemuConfig, observed: Record<string, unknown>): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const key of Object.keys(desired).sort()) {
    const want = canonicalValue(key, desired[key]!, 'desired');
    const raw = observed[key];
    const have =
      raw === undefined || raw === null
        ? undefined
        : canonicalValue(key, observedAsDesired(key, String(raw), String(desired[key])), 'observed');
    if (want !== have) changes.push({ key, from: have, to: want });
  }
  return changes;
}

/**
 * Changes Proxmox cannot make in place: a disk that would shrink or change
 * storage or format; an EFI vars disk of another type, storage, format or
 * key enrolment (its content is written when it is made); a TPM of another
 * version (Proxmox refuses to change it) or storage. The VM must be
 * replaced. A cloud-init drive is generated data: it is made anew on
 * another storage, in place.
 */
export function changesForcingReplacement(changes: readonly ConfigChange[]): ConfigChange[] {
  return changes.filter((c) => {
    if (c.from === undefined || !DRIVE_KEY.test(c.key)) return false;
    if (c.from.includes('media=cdrom') || /:cloudinit$/.test(c.to)) return false;
    const from = parsePropertyString(c.from, { defaultKey: 'file' });
    const to = parsePropertyString(c.to, { defaultKey: 'file' });
    const differ = (...keys: string[]) => keys.some((k) => to.has(k) && from.get(k) !== to.get(k));
    if (c.key === 'efidisk0' || c.key === 'tpmstate0')
      return (
        from.get('file') !== to.get('file') ||
        from.get('efitype') !== to.get('efitype') ||
        (from.get('pre-enrolled-keys') ?? '0') !== (to.get('pre-enrolled-keys') ?? '0') ||
        from.get('version') !== to.get('version') ||
        differ('format')
      );
    const [fromStorage, fromSize] = (from.get('file') ?? '').split(':');
    const [toStorage, toSize] = (to.get('file') ?? '').split(':');
    return fromStorage !== toStorage || Number(toSize) < Number(fromSize) || differ('format');
  });
}

/** Disks the change would make smaller on the same storage, with their sizes in GiB. */
export function shrinkingDisks(
  changes: readonly ConfigChange[],
): { key: string; from: number; to: number }[] {
  return changes.flatMap((c) => {
    if (c.from === undefined || !DRIVE_KEY.test(c.key) || c.key === 'efidisk0' || c.key === 'tpmstate0')
      return [];
    if (c.from.includes('media=cdrom') || /:cloudinit$/.test(c.to)) return [];
    const [fromStorage, fromSize] = (
      parsePropertyString(c.from, { defaultKey: 'file' }).get('file') ?? ''
    ).split(':');
    const [toStorage, toSize] = (parsePropertyString(c.to, { defaultKey: 'file' }).get('file') ?? '').split(
      ':',
    );
    const from = Number(fromSize);
    const to = Number(toSize);
    return fromStorage === toStorage && Number.isFinite(from) && Number.isFinite(to) && to < from
      ? [{ key: c.key, from, to }]
      : [];
  });
}

/** MAC addresses of a config's NICs, `net0` first. */
export function macAddresses(config: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(config)
    .filter((k) => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((k) => parsePropertyString(String(config[k]), { nicModels: true }).get('macaddr') ?? '');
}
