import { dieError } from '../emulator-error.ts';
import type { EmulatorState, QemuConfig } from '../state.ts';

/**
 * Disk volumes as Proxmox's storage plugins allocate and name them
 * (pve-storage 8): file storages keep `<vmid>/vm-<vmid>-disk-N.<format>`,
 * block storages `vm-<vmid>-disk-N` (raw only); numbers are per storage. A
 * drive string keeps no `format` once its volume exists (qemu-server's
 * create_disks: "no longer needed"), and its `size` is what was allocated.
 */

/** Storage types whose images are files in a directory. */
const FILE_TYPES = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'glusterfs', 'btrfs']);
/** Storage types that allocate in 4 MiB extents. */
const LVM_TYPES = new Set(['lvm', 'lvmthin']);

/** OVMF vars sizes in bytes (pve-edk2-firmware's OVMF_VARS.fd and OVMF_VARS_4M.fd). */
const EFI_VARS_BYTES: Readonly<Record<string, number>> = { '2m': 131_072, '4m': 540_672 };
/** qemu-server's TPMSTATE_DISK_SIZE. */
const TPM_STATE_BYTES = 4 * 1024 * 1024;

/** A volume's name part can hold a base volume (`base-9000-disk-0/vm-100-disk-0`) and a format suffix. */
export const VOLUME_OF_VM =
  /^([^:,]+):((?:\d+\/)?(?:base-\d+-disk-\d+(?:\.\w+)?\/)?(?:\d+\/)?(?:base|vm)-(\d+)-(?:disk-\d+|cloudinit)(?:\.(\w+))?)/;

export function storageType(state: EmulatorState, storage: string): string {
  const scfg = state.storages[storage];
  if (!scfg) throw dieError(`storage '${storage}' does not exist`);
  return scfg.type;
}

/** Whether a storage keeps images as files in a directory. */
export const isFileStorage = (state: EmulatorState, storage: string) =>
  FILE_TYPES.has(storageType(state, storage));

/** `PVE::JSONSchema::format_size`: the largest unit that divides the size. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const)
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  return String(bytes);
}

/** Bytes of a drive's `size` (`32G`, `528K`), 0 when unknown. */
export function sizeBytes(drive: string): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(drive);
  if (!m) return 0;
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2] as '']!;
}

/** What a storage allocates for `bytes`: LVM rounds up to 4 MiB extents, RBD to MiB, files are exact. */
function allocatedBytes(state: EmulatorState, storage: string, bytes: number): number {
  const type = storageType(state, storage);
  const unit = LVM_TYPES.has(type) ? 4 * 1024 ** 2 : type === 'rbd' ? 1024 ** 2 : 1;
  return Math.ceil(bytes / unit) * unit;
}

/** Every volume name of a VM id on a storage: in any VM's config or pending change, and unreferenced ones. */
function volumesOn(state: EmulatorState, storage: string): string[] {
  const out: string[] = [];
  for (const vm of Object.values(state.vms))
    for (const v of [...Object.values(vm.config), ...Object.values(vm.pending ?? {})]) {
      const m = VOLUME_OF_VM.exec(String(v ?? ''));
      if (m && m[1] === storage) out.push(m[2]!);
    }
  for (const f of Object.values(state.storageFiles ?? {}))
    if (f.volid.startsWith(`${storage}:`)) out.push(f.volid.slice(storage.length + 1));
  return out;
}

/** `get_next_vm_diskname`: the first free `vm-<vmid>-disk-N` on the storage. */
export function nextDiskName(state: EmulatorState, storage: string, vmid: number, suffix: string): string {
  const taken = new Set(
    volumesOn(state, storage)
      .map((name) => new RegExp(`(?:^|/)vm-${vmid}-disk-(\\d+)(?:\\.\\w+)?$`).exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number),
  );
  let n = 0;
  while (taken.has(n)) n++;
  return `vm-${vmid}-disk-${n}${suffix}`;
}

/**
 * Allocates the volume of a new drive given as `<storage>:<GiB>` with its
 * options, and returns the drive string Proxmox keeps: the volume, the
 * options without `format`, the allocated `size`. EFI vars and TPM state
 * get their fixed sizes, whatever size was asked.
 */
export function allocateDrive(
  state: EmulatorState,
  vmid: number,
  key: string,
  storage: string,
  gib: number,
  options: readonly string[],
): string {
  const format = options.find((o) => o.startsWith('format='))?.slice('format='.length);
  const file = isFileStorage(state, storage);
  const supported = file ? ['raw', 'qcow2', 'vmdk'] : ['raw'];
  // swtpm takes raw volumes only.
  const chosen = key === 'tpmstate0' ? 'raw' : (format ?? 'raw');
  if (!supported.includes(chosen)) throw dieError(`unsupported format '${chosen}'`);
  const name = nextDiskName(state, storage, vmid, file ? `.${chosen}` : '');
  const volid = `${storage}:${file ? `${vmid}/` : ''}${name}`;
  let bytes = gib * 1024 ** 3;
  if (key === 'efidisk0') {
    const efitype = options.find((o) => o.startsWith('efitype='))?.slice('efitype='.length) ?? '2m';
    bytes = EFI_VARS_BYTES[efitype] ?? EFI_VARS_BYTES['2m']!;
  }
  if (key === 'tpmstate0') bytes = TPM_STATE_BYTES;
  const kept = options.filter((o) => !o.startsWith('size=') && !o.startsWith('format='));
  return [volid, ...kept, `size=${formatSize(allocatedBytes(state, storage, bytes))}`].join(',');
}

/**
 * A full copy of a drive for a clone: a new volume of the same size on
 * `storage` (the source's format when the storage takes it, else raw), the
 * source's options kept.
 */
export function copyDrive(state: EmulatorState, vmid: number, storage: string, source: string): string {
  const [volid, ...options] = source.split(',');
  const file = isFileStorage(state, storage);
  const format = file && volumeFormat(volid ?? '') !== 'raw' ? volumeFormat(volid ?? '') : 'raw';
  const name = nextDiskName(state, storage, vmid, file ? `.${format}` : '');
  const kept = options.filter((o) => !o.startsWith('size='));
  const bytes = allocatedBytes(state, storage, sizeBytes(source) || 8 * 1024 ** 3);
  return [`${storage}:${file ? `${vmid}/` : ''}${name}`, ...kept, `size=${formatSize(bytes)}`].join(',');
}

/**
 * The volume of a linked clone's disk: a thin copy named after the
 * template's base volume (block storages: `base-9000-disk-0/vm-100-disk-0`).
 */
export function linkedCloneVolume(state: EmulatorState, baseVolid: string, vmid: number): string {
  const [storage, volname] = baseVolid.split(':') as [string, string];
  const suffix = /\.(\w+)$/.exec(volname)?.[0] ?? '';
  const name = nextDiskName(state, storage, vmid, suffix);
  return isFileStorage(state, storage)
    ? `${storage}:${volname}/${vmid}/${name}`
    : `${storage}:${volname}/${name}`;
}

/** The format of a volume: its file suffix, or raw on a block storage. */
export const volumeFormat = (volid: string): string => /\.(raw|qcow2|vmdk)$/.exec(volid)?.[1] ?? 'raw';

/** The volumes a config lists (drives and unused disks), for listing storage content. */
export function configVolumes(
  config: QemuConfig,
): Array<{ key: string; volid: string; storage: string; size: number }> {
  const out: Array<{ key: string; volid: string; storage: string; size: number }> = [];
  for (const [key, value] of Object.entries(config)) {
    if (!/^(scsi|virtio|sata|ide|efidisk|tpmstate|unused)\d+$/.test(key)) continue;
    const m = VOLUME_OF_VM.exec(String(value));
    if (m) out.push({ key, volid: `${m[1]}:${m[2]}`, storage: m[1]!, size: sizeBytes(String(value)) });
  }
  return out;
}
