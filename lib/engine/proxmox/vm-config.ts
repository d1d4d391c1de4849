import { formatPropertyString, type PropertyMap, parsePropertyString } from './property-string.ts';

/**
 * Translates the plan's VM properties (bpg/proxmox attribute names) to the
 * Proxmox qemu config keys, and compares desired and observed configs in one
 * canonical form. Only keys the plan declares are managed: whatever else the
 * VM has (smbios1, vmgenid, meta, unused disks) is left alone.
 */
export type QemuConfig = Record<string, string | number>;

type Props = Record<string, unknown>;

const bool = (v: unknown): number => (v ? 1 : 0);
const obj = (v: unknown): Props | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Props) : undefined;
const list = (v: unknown): Props[] => (Array.isArray(v) ? (v.filter((x) => obj(x)) as Props[]) : []);

/** Proxmox stores tags lower-cased, deduplicated, sorted, joined by `;`. */
export function canonicalTags(tags: unknown): string {
  const items = Array.isArray(tags) ? tags.map(String) : String(tags ?? '').split(/[;, ]+/);
  return [...new Set(items.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort().join(';');
}

function netValue(nic: Props): string {
  const map: PropertyMap = new Map();
  map.set('model', String(nic.model ?? 'virtio'));
  if (nic.mac_address) map.set('macaddr', String(nic.mac_address).toUpperCase());
  map.set('bridge', String(nic.bridge ?? 'vmbr0'));
  if (nic.firewall) map.set('firewall', '1');
  if (nic.vlan_id) map.set('tag', String(nic.vlan_id));
  if (nic.trunks) map.set('trunks', String(nic.trunks));
  if (nic.mtu) map.set('mtu', String(nic.mtu));
  if (nic.queues) map.set('queues', String(nic.queues));
  if (nic.rate_limit) map.set('rate', String(nic.rate_limit));
  if (nic.disconnected || nic.enabled === false) map.set('link_down', '1');
  return formatPropertyString(map, { nicModels: true });
}

function diskOptions(disk: Props): PropertyMap {
  const map: PropertyMap = new Map();
  if (disk.iothread) map.set('iothread', '1');
  if (disk.ssd) map.set('ssd', '1');
  if (disk.discard === 'on') map.set('discard', 'on');
  if (disk.cache && disk.cache !== 'none') map.set('cache', String(disk.cache));
  if (disk.aio) map.set('aio', String(disk.aio));
  if (disk.backup === false) map.set('backup', '0');
  if (disk.replicate === false) map.set('replicate', '0');
  if (disk.serial) map.set('serial', String(disk.serial));
  if (disk.file_format) map.set('format', String(disk.file_format));
  return map;
}

/** The create/update form of a disk: `local-lvm:32,iothread=1` allocates 32 GiB. */
function diskValue(disk: Props): string {
  const map = diskOptions(disk);
  map.set('file', `${String(disk.datastore_id ?? 'local-lvm')}:${Number(disk.size ?? 8)}`);
  return formatPropertyString(map, { defaultKey: 'file' });
}

/** The qemu config keys and values a plan's VM properties ask for (clone and pool handled elsewhere). */
export function desiredQemuConfig(props: Props): QemuConfig {
  const c: QemuConfig = {};
  if (props.name !== undefined) c.name = String(props.name);
  if (props.description !== undefined) c.description = String(props.description);
  if (props.tags !== undefined) c.tags = canonicalTags(props.tags);
  if (props.on_boot !== undefined) c.onboot = bool(props.on_boot);
  if (props.protection !== undefined) c.protection = bool(props.protection);
  if (props.bios !== undefined) c.bios = String(props.bios);
  if (props.machine !== undefined) c.machine = String(props.machine);
  if (props.scsi_hardware !== undefined) c.scsihw = String(props.scsi_hardware);
  if (props.keyboard_layout !== undefined) c.keyboard = String(props.keyboard_layout);
  if (props.tablet_device !== undefined) c.tablet = bool(props.tablet_device);
  if (props.acpi !== undefined) c.acpi = bool(props.acpi);
  if (Array.isArray(props.boot_order)) c.boot = `order=${props.boot_order.join(';')}`;

  const cpu = obj(props.cpu);
  if (cpu) {
    if (cpu.cores !== undefined) c.cores = Number(cpu.cores);
    if (cpu.sockets !== undefined) c.sockets = Number(cpu.sockets);
    if (cpu.numa !== undefined) c.numa = bool(cpu.numa);
    if (cpu.limit !== undefined) c.cpulimit = String(cpu.limit);
    if (cpu.units !== undefined) c.cpuunits = Number(cpu.units);
    if (cpu.type !== undefined || Array.isArray(cpu.flags)) {
      const map: PropertyMap = new Map([['cputype', String(cpu.type ?? 'qemu64')]]);
      if (Array.isArray(cpu.flags) && cpu.flags.length) map.set('flags', cpu.flags.join(';'));
      c.cpu = formatPropertyString(map, { defaultKey: 'cputype' });
    }
  }
  const memory = obj(props.memory);
  if (memory) {
    if (memory.dedicated !== undefined) c.memory = String(memory.dedicated);
    if (memory.floating !== undefined) c.balloon = Number(memory.floating);
  }
  const agent = obj(props.agent);
  if (agent) {
    const map: PropertyMap = new Map([['enabled', agent.enabled ? '1' : '0']]);
    if (agent.trim) map.set('fstrim_cloned_disks', '1');
    if (agent.type && agent.type !== 'virtio') map.set('type', String(agent.type));
    c.agent = formatPropertyString(map, { defaultKey: 'enabled' });
  }
  const os = obj(props.operating_system);
  if (os?.type !== undefined) c.ostype = String(os.type);
  const startup = obj(props.startup);
  if (startup) {
    const map: PropertyMap = new Map();
    if (startup.order !== undefined && Number(startup.order) >= 0) map.set('order', String(startup.order));
    if (startup.up_delay !== undefined && Number(startup.up_delay) >= 0)
      map.set('up', String(startup.up_delay));
    if (startup.down_delay !== undefined && Number(startup.down_delay) >= 0)
      map.set('down', String(startup.down_delay));
    c.startup = formatPropertyString(map);
  }
  const vga = obj(props.vga);
  if (vga) {
    const map: PropertyMap = new Map([['type', String(vga.type ?? 'std')]]);
    if (vga.memory !== undefined) map.set('memory', String(vga.memory));
    if (vga.clipboard) map.set('clipboard', String(vga.clipboard));
    c.vga = formatPropertyString(map, { defaultKey: 'type' });
  }
  list(props.serial_device).forEach((s, i) => {
    c[`serial${i}`] = String(s.device ?? 'socket');
  });
  list(props.network_device).forEach((nic, i) => {
    c[`net${i}`] = netValue(nic);
  });
  for (const disk of list(props.disk)) c[String(disk.interface)] = diskValue(disk);

  const init = obj(props.initialization);
  if (init) {
    c[String(init.interface || 'ide2')] = `${String(init.datastore_id ?? 'local-lvm')}:cloudinit`;
    list(init.ip_config).forEach((ip, i) => {
      const map: PropertyMap = new Map();
      const v4 = obj(ip.ipv4);
      if (v4?.address) map.set('ip', String(v4.address));
      if (v4?.gateway) map.set('gw', String(v4.gateway));
      const v6 = obj(ip.ipv6);
      if (v6?.address) map.set('ip6', String(v6.address));
      if (v6?.gateway) map.set('gw6', String(v6.gateway));
      c[`ipconfig${i}`] = formatPropertyString(map);
    });
    const dns = obj(init.dns);
    if (Array.isArray(dns?.servers)) c.nameserver = dns.servers.join(' ');
    if (dns?.domain) c.searchdomain = String(dns.domain);
    const user = obj(init.user_account);
    if (user?.username) c.ciuser = String(user.username);
    if (Array.isArray(user?.keys)) c.sshkeys = encodeURIComponent(user.keys.join('\n'));
  }
  return c;
}

/** Canonical text of one config value, so `desired` and `observed` compare equal when Proxmox would treat them alike. */
export function canonicalValue(key: string, value: string | number, side: 'desired' | 'observed'): string {
  const text = String(value);
  if (key === 'tags') return canonicalTags(text);
  if (/^net\d+$/.test(key))
    return formatPropertyString(parsePropertyString(text, { nicModels: true }), { nicModels: true });
  if (/^(scsi|virtio|sata|ide)\d+$/.test(key) || key === 'efidisk0' || key === 'tpmstate0') {
    return canonicalDisk(text, side);
  }
  if (key === 'agent' || key === 'vga' || key === 'cpu') {
    const defaultKey = key === 'agent' ? 'enabled' : key === 'vga' ? 'type' : 'cputype';
    return formatPropertyString(parsePropertyString(text, { defaultKey }), { defaultKey });
  }
  if (/^ipconfig\d+$/.test(key) || key === 'startup' || key === 'boot') {
    return formatPropertyString(parsePropertyString(text));
  }
  return text;
}

/**
 * Disks compare by storage, size and the options the plan sets. A desired
 * `local-lvm:32` (allocate 32 GiB) equals an observed
 * `local-lvm:vm-1100-disk-1,size=32G`; `media=cdrom` / cloudinit drives
 * compare by storage only.
 */
function canonicalDisk(text: string, side: 'desired' | 'observed'): string {
  const map = parsePropertyString(text, { defaultKey: 'file' });
  const file = map.get('file') ?? '';
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

/** `32G` → `32`, `512M` → `0.5`, `1T` → `1024` (GiB). */
function normaliseSize(size: string | undefined): string | undefined {
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

/** Keys of `desired` whose canonical value differs from `observed`. */
export function diffQemuConfig(desired: QemuConfig, observed: Record<string, unknown>): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const key of Object.keys(desired).sort()) {
    const want = canonicalValue(key, desired[key]!, 'desired');
    const raw = observed[key];
    const have =
      raw === undefined || raw === null ? undefined : canonicalValue(key, raw as string | number, 'observed');
    if (want !== have) changes.push({ key, from: have, to: want });
  }
  return changes;
}

/**
 * Changes Proxmox cannot make in place: a disk that would shrink or change
 * storage, an EFI or TPM disk of another type. The VM must be replaced.
 */
export function changesForcingReplacement(changes: readonly ConfigChange[]): ConfigChange[] {
  return changes.filter((c) => {
    if (!/^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/.test(c.key) || c.from === undefined)
      return false;
    if (c.to.endsWith(':cloudinit') || c.from.endsWith(':cloudinit')) return c.to !== c.from;
    const [fromFile] = c.from.split(',');
    const [toFile] = c.to.split(',');
    const [fromStorage, fromSize] = (fromFile ?? '').split(':');
    const [toStorage, toSize] = (toFile ?? '').split(':');
    return fromStorage !== toStorage || Number(toSize) < Number(fromSize);
  });
}
