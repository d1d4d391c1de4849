import { parsePropertyString } from '../proxmox/property-string.ts';
import type { Requirement } from './endpoint-permissions.ts';

/**
 * What setting each qemu config key needs beyond the schema's coarse "any
 * VM.Config.*" check of `POST|PUT …/config`: Proxmox checks per key inside
 * the handler. Source: qemu-server `src/PVE/API2/Qemu.pm` (stable-bookworm
 * and master agree): `$check_vm_modify_config_perm` and its option groups,
 * `$check_drive_perms`, `$check_storage_access`, `check_bridge_access` →
 * pve-guest-common `check_vnet_access`, and `assert_tag_permissions`.
 */
const GROUPS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['VM.Config.CPU', ['cores', 'cpu', 'cpulimit', 'cpuunits', 'numa', 'smp', 'sockets', 'vcpus']],
  ['VM.Config.Memory', ['memory', 'balloon', 'shares']],
  [
    'VM.Config.HWType',
    ['acpi', 'hotplug', 'kvm', 'machine', 'scsihw', 'smbios1', 'tablet', 'vga', 'watchdog', 'audio0', 'rng0'],
  ],
  [
    'VM.Config.Options',
    [
      'agent',
      'autostart',
      'bios',
      'description',
      'keyboard',
      'localtime',
      'migrate_downtime',
      'migrate_speed',
      'name',
      'onboot',
      'ostype',
      'protection',
      'reboot',
      'startdate',
      'startup',
      'tdf',
      'template',
      // Tags: VM.Config.Options, plus Sys.Modify on / only for registered tags or a restrictive user-tag-access policy.
      'tags',
    ],
  ],
  ['VM.Config.Disk', ['boot', 'bootdisk', 'vmstatestorage']],
];
const PRIVILEGE_OF_KEY = new Map(GROUPS.flatMap(([privilege, keys]) => keys.map((k) => [k, privilege])));
const CLOUDINIT_KEYS = new Set([
  'cicustom',
  'cipassword',
  'citype',
  'ciuser',
  'ciupgrade',
  'nameserver',
  'searchdomain',
  'sshkeys',
]);
const DRIVE = /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/;
/** A new volume to allocate: `local-lvm:32` (the storage and a size in GiB). */
const NEW_VOLUME = /^([^:\s]+):(\d+(\.\d+)?)$/;

const plain = (path: string, privilege: string): Requirement => ({ path, privilege, orElse: [] });

/** VLAN tags a `trunks=10;20;30-32` value lets through. */
function trunkTags(trunks: string): number[] {
  return trunks.split(';').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from)) return [];
    const last = Number.isInteger(to) ? Math.min(to!, 4094) : from!;
    return Array.from({ length: Math.max(0, last - from! + 1) }, (_, i) => from! + i);
  });
}

/**
 * SDN.Use for a NIC on a bridge: on the bridge's path in its zone, or on the
 * VLAN's path below it when the NIC is tagged. Plain Linux bridges live in the
 * `localnetwork` zone (an SDN vnet would be in its own zone).
 */
export function bridgeRequirements(net: string): Requirement[] {
  const nic = parsePropertyString(net, { nicModels: true });
  const bridge = nic.get('bridge');
  if (!bridge) return [];
  const base = `/sdn/zones/localnetwork/${bridge}`;
  const tags = [
    ...(nic.get('tag') ? [Number(nic.get('tag'))] : []),
    ...(nic.get('trunks') ? trunkTags(nic.get('trunks')!) : []),
  ];
  return tags.length
    ? [...new Set(tags)].map((tag) => plain(`${base}/${tag}`, 'SDN.Use'))
    : [plain(base, 'SDN.Use')];
}

/** A drive value's requirements: cloud-init and CD-ROM drives have their own privileges; new disks need space. */
function driveRequirements(vmPath: string, value: string): Requirement[] {
  const drive = parsePropertyString(value, { defaultKey: 'file' });
  const file = drive.get('file') ?? '';
  if (file === 'cloudinit' || file.endsWith(':cloudinit'))
    return [plain(vmPath, 'VM.Config.Cloudinit'), plain(vmPath, 'VM.Config.CDROM')];
  if (drive.get('media') === 'cdrom')
    return [plain(vmPath, 'VM.Config.CDROM'), ...(file === 'cdrom' ? [plain('/', 'Sys.Console')] : [])];
  const fresh = NEW_VOLUME.exec(file);
  return [
    plain(vmPath, 'VM.Config.Disk'),
    ...(fresh ? [plain(`/storage/${fresh[1]}`, 'Datastore.AllocateSpace')] : []),
  ];
}

/** Requirements of setting `key` to `value` on the VM at `vmPath` (`/vms/101`). */
export function qemuKeyRequirements(vmPath: string, key: string, value: string | number): Requirement[] {
  const text = String(value);
  if (DRIVE.test(key)) return driveRequirements(vmPath, text);
  if (/^net\d+$/.test(key)) return [plain(vmPath, 'VM.Config.Network'), ...bridgeRequirements(text)];
  if (/^numa\d+$/.test(key)) return [plain(vmPath, 'VM.Config.CPU')];
  // Only a socket serial port is allowed to non-root users; real devices are root's.
  if (/^serial\d+$/.test(key)) return [plain(vmPath, 'VM.Config.HWType')];
  if (CLOUDINIT_KEYS.has(key) || /^ipconfig\d+$/.test(key))
    return [
      {
        path: vmPath,
        privilege: 'VM.Config.Cloudinit',
        orElse: [{ path: vmPath, privilege: 'VM.Config.Network' }],
      },
    ];
  const privilege = PRIVILEGE_OF_KEY.get(key) ?? 'VM.Config.Options';
  // Start order changes how the host boots: Proxmox wants Sys.Modify on / for it.
  return [plain(vmPath, privilege), ...(key === 'startup' ? [plain('/', 'Sys.Modify')] : [])];
}

/** Requirements of a whole config update. */
export function qemuConfigRequirements(
  vmPath: string,
  config: Readonly<Record<string, string | number>>,
): Requirement[] {
  return Object.entries(config).flatMap(([key, value]) => qemuKeyRequirements(vmPath, key, value));
}

/** The storage of a disk value (`local-lvm:32`, `local-lvm:vm-101-disk-0,size=32G`). */
export function storageOfDrive(value: string): string | undefined {
  const file = parsePropertyString(value, { defaultKey: 'file' }).get('file') ?? '';
  return file.includes(':') ? file.split(':')[0] : undefined;
}
