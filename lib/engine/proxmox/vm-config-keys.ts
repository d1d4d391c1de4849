import { parsePropertyString } from './property-string.ts';
import { proxmoxKeys } from './proxmox-keys.ts';

/**
 * A VM's plan property paths beside the qemu config keys (and API
 * parameters) they are sent as, both ways: what a diff shows a reviewer
 * (`memory.dedicated`, with `memory` beside it) and what a create lists.
 * Drive slots depend on the plan (`disk[0]` is whatever slot its
 * `interface` names), so both directions take the VM's properties.
 */

/** The part of VM properties that places drives in slots; values may still be unknown. */
export interface VmSlots {
  readonly disk?: ReadonlyArray<{ readonly interface?: unknown } | undefined> | undefined;
  readonly cdrom?: { readonly interface?: unknown } | undefined;
  readonly initialization?: { readonly interface?: unknown } | undefined;
}

/** Plan paths with a fixed config key (or API parameter of the create, clone or destroy call). */
const FIXED = proxmoxKeys({
  name: 'name',
  description: 'description',
  tags: 'tags',
  template: 'template',
  on_boot: 'onboot',
  protection: 'protection',
  bios: 'bios',
  machine: 'machine',
  scsi_hardware: 'scsihw',
  keyboard_layout: 'keyboard',
  tablet_device: 'tablet',
  acpi: 'acpi',
  hotplug: 'hotplug',
  boot_order: 'boot',
  'cpu.type': 'cpu',
  'cpu.flags': 'cpu',
  'cpu.cores': 'cores',
  'cpu.sockets': 'sockets',
  'cpu.numa': 'numa',
  'cpu.limit': 'cpulimit',
  'cpu.units': 'cpuunits',
  'cpu.hotplugged': 'vcpus',
  'memory.dedicated': 'memory',
  'memory.floating': 'balloon',
  agent: 'agent',
  'operating_system.type': 'ostype',
  startup: 'startup',
  vga: 'vga',
  efi_disk: 'efidisk0',
  tpm_state: 'tpmstate0',
  'initialization.type': 'citype',
  'initialization.dns.servers': 'nameserver',
  'initialization.dns.domain': 'searchdomain',
  'initialization.user_account.username': 'ciuser',
  'initialization.user_account.keys': 'sshkeys',
  'initialization.user_account.password': 'cipassword',
  'initialization.user_data_file_id': 'cicustom',
  'initialization.vendor_data_file_id': 'cicustom',
  'initialization.meta_data_file_id': 'cicustom',
  vm_id: 'vmid',
  node_name: 'node',
  pool_id: 'pool',
  'clone.datastore_id': 'storage',
  'clone.full': 'full',
  purge_on_destroy: 'purge',
  delete_unreferenced_disks_on_destroy: 'destroy-unreferenced-disks',
});

/** The `cicustom` parts, by the plan key that sets each. */
const CUSTOM_PARTS = [
  ['user', 'initialization.user_data_file_id'],
  ['vendor', 'initialization.vendor_data_file_id'],
  ['meta', 'initialization.meta_data_file_id'],
] as const;

const slotText = (v: unknown) => (typeof v === 'string' ? v : undefined);
const cdromSlotOf = (p: VmSlots) => (p.cdrom ? (slotText(p.cdrom.interface) ?? 'ide3') : undefined);
const cloudInitSlotOf = (p: VmSlots) =>
  p.initialization ? (slotText(p.initialization.interface) ?? 'ide2') : undefined;

/**
 * The config key (or API parameter) a plan path is sent as:
 * `network_device[1].bridge` → `net1`, `disk[0].size` → its slot, `cpu.cores`
 * → `cores`. Undefined for what only the engine acts on (`started`,
 * `reboot`, a disk's `lifecycle`).
 */
export function vmConfigKeyOf(path: string, props: VmSlots): string | undefined {
  const indexed = /^(network_device|serial_device|initialization\.ip_config|disk)\[(\d+)\](.*)$/.exec(path);
  if (indexed) {
    const [, list, index, rest] = indexed;
    if (list === 'network_device') return `net${index}`;
    if (list === 'serial_device') return `serial${index}`;
    if (list === 'initialization.ip_config') return `ipconfig${index}`;
    if (rest === '.lifecycle') return undefined;
    return slotText(props.disk?.[Number(index)]?.interface);
  }
  if (path === 'cdrom' || path.startsWith('cdrom.')) return cdromSlotOf(props);
  if (path === 'initialization.datastore_id' || path === 'initialization.interface')
    return cloudInitSlotOf(props);
  return FIXED.apiOf(path);
}

/**
 * The plan path a config key comes from: a drive slot is the disk whose
 * `interface` names it (`disk[0]`), the CD-ROM or the cloud-init drive;
 * `cpu` is `cpu.type` unless only the flags differ; `cicustom` is the one
 * `*_data_file_id` that differs. `from` and `to` are the compared values.
 */
export function vmPlanPathOf(key: string, props: VmSlots, from?: string, to?: string): string {
  const indexed = /^(net|serial|ipconfig)(\d+)$/.exec(key);
  if (indexed) {
    const list = { net: 'network_device', serial: 'serial_device', ipconfig: 'initialization.ip_config' };
    return `${list[indexed[1] as keyof typeof list]}[${indexed[2]}]`;
  }
  const disk = (props.disk ?? []).findIndex((d) => slotText(d?.interface) === key);
  if (disk >= 0) return `disk[${disk}]`;
  if (key === cdromSlotOf(props)) return 'cdrom';
  if (key === cloudInitSlotOf(props)) return 'initialization.datastore_id';
  if (key === 'cpu') {
    const type = (text?: string) => parsePropertyString(text ?? '', { defaultKey: 'cputype' }).get('cputype');
    return from !== undefined && type(from) === type(to) ? 'cpu.flags' : 'cpu.type';
  }
  if (key === 'cicustom') {
    const parts = (text?: string) => parsePropertyString(text ?? '');
    const [was, now] = [parts(from), parts(to)];
    const differ = CUSTOM_PARTS.filter(([part]) => was.get(part) !== now.get(part));
    return differ.length === 1 ? differ[0]![1] : 'initialization';
  }
  return FIXED.planOf(key);
}

/**
 * A config value as the plan writes it, when the plan property is a number
 * or a flag (`"8192"` → 8192, `"1"` → true); other values stay as Proxmox
 * writes them.
 */
export function asPlanValue(planValue: unknown, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (typeof planValue === 'number' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (typeof planValue === 'boolean' && (text === '0' || text === '1')) return text === '1';
  return text;
}
