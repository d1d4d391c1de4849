import { createHash } from 'node:crypto';
import { dieError, EmulatorHttpError } from '../emulator-error.ts';
import type { EmulatorState, EmulatorVm, QemuConfig } from '../state.ts';
import { bootOrderAfter, checkBootOrder, checkDevice } from './qemu-drives.ts';
import { deletesAtOnce, takesAtOnce } from './qemu-hotplug.ts';
import { allocateDrive, isFileStorage } from './qemu-volumes.ts';

/** The SHA1 Proxmox returns as `digest`: here of the config in a canonical text form. */
export function configDigest(config: QemuConfig): string {
  const text = Object.keys(config)
    .sort()
    .map((k) => `${k}: ${config[k]}`)
    .join('\n');
  return createHash('sha1').update(text).digest('hex');
}

/** Refuses changes to a locked VM, with Proxmox's text. */
export function assertUnlocked(vm: EmulatorVm): void {
  if (vm.lock) throw dieError(`VM is locked (${vm.lock})`);
}

const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;

function randomMac(): string {
  const b = Array.from({ length: 3 }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0')
      .toUpperCase(),
  );
  return `BC:24:11:${b.join(':')}`;
}

/**
 * Normalises values the way Proxmox writes them into the config file: tags
 * lower-cased, deduplicated and sorted; a NIC without MAC gets one; a disk
 * given as `storage:size` is allocated (see qemu-volumes.ts); a cloud-init
 * drive becomes `storage:vm-N-cloudinit,media=cdrom`.
 */
export function normaliseValue(
  state: EmulatorState,
  vm: { vmid: number; config: QemuConfig },
  key: string,
  value: string | number,
): string | number {
  const text = String(value);
  if (key === 'tags') {
    return [
      ...new Set(
        text
          .split(/[;, ]+/)
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean),
      ),
    ]
      .sort()
      .join(';');
  }
  if (/^net\d+$/.test(key)) {
    const [first, ...rest] = text.split(',');
    const [model, mac] = (first ?? '').split('=');
    return canonicalPropertyString([`${model}=${(mac || randomMac()).toUpperCase()}`, ...rest].join(','));
  }
  if (DISK_KEY.test(key)) {
    const [file, ...opts] = text.split(',');
    const cloudinit = /^([^:]+):cloudinit$/.exec(file ?? '');
    if (cloudinit) {
      const storage = cloudinit[1]!;
      const volume = isFileStorage(state, storage)
        ? `${vm.vmid}/vm-${vm.vmid}-cloudinit.qcow2`
        : `vm-${vm.vmid}-cloudinit`;
      return `${storage}:${volume},media=cdrom`;
    }
    const alloc = /^([^:]+):(\d+(?:\.\d+)?)$/.exec(file ?? '');
    if (alloc)
      return canonicalPropertyString(allocateDrive(state, vm.vmid, key, alloc[1]!, Number(alloc[2]), opts));
    return canonicalPropertyString(text);
  }
  return typeof value === 'number' ? value : text;
}

const CONTROL_PARAMS = new Set([
  'node',
  'vmid',
  'digest',
  'delete',
  'revert',
  'skiplock',
  'background_delay',
  'force',
]);

/**
 * A drive or NIC as qemu-server writes it back (print_drive, print_net:
 * PVE::JSONSchema print_property_string): the default key's value first
 * (a drive's volume, a NIC's `model=MAC`), then every other key sorted.
 */
export function canonicalPropertyString(text: string): string {
  const [first, ...rest] = text.split(',');
  const keyed = rest.filter(Boolean).sort((a, b) => {
    const ka = a.split('=')[0]!;
    const kb = b.split('=')[0]!;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return [first, ...keyed].join(',');
}

/**
 * pve-guest-common AbstractConfig cleanup_pending: a pending value equal
 * (as text) to the current one is no change, and a pending deletion of a key
 * the config no longer has is dropped.
 */
export function cleanupPending(vm: EmulatorVm): void {
  if (!vm.pending) return;
  const kept = Object.entries(vm.pending).filter(([key, value]) =>
    value === null
      ? vm.config[key] !== undefined
      : vm.config[key] === undefined || String(vm.config[key]) !== String(value),
  );
  vm.pending = kept.length ? Object.fromEntries(kept) : undefined;
}

/** Moves pending changes into the config (cold start, reboot). */
export function applyPending(vm: EmulatorVm): void {
  for (const [key, value] of Object.entries(vm.pending ?? {})) {
    if (value === null) delete vm.config[key];
    else vm.config[key] = value;
  }
  vm.pending = undefined;
}

/** Records a change the running VM takes later; one that brings back the current value is no change. */
function setPending(vm: EmulatorVm, key: string, value: string | number | null): void {
  const pending = { ...vm.pending };
  if (value === (vm.config[key] ?? null)) delete pending[key];
  else pending[key] = value;
  vm.pending = Object.keys(pending).length ? pending : undefined;
}

/** The config keys a request sets or deletes. */
export function touchedKeys(params: Record<string, unknown>): string[] {
  const deleted = String(params.delete ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);
  return [
    ...Object.keys(params).filter((k) => !CONTROL_PARAMS.has(k) && params[k] !== undefined),
    ...deleted,
  ];
}

/** Who changes a config, and the cluster it is in: what the update's checks and allocations need. */
export interface ConfigWriter {
  readonly state: EmulatorState;
  /** The acting user as Proxmox sees it (`root@pam!pvecdk` for a token). */
  readonly actor: string;
}

/** Applies a config update (set keys, `delete` list), after the digest and lock checks Proxmox makes first. */
export function applyConfigUpdate(
  vm: EmulatorVm,
  params: Record<string, unknown>,
  writer: ConfigWriter,
): void {
  if (params.digest !== undefined && params.digest !== configDigest(vm.config)) {
    throw dieError('checksum mismatch (file change by other user?)');
  }
  assertUnlocked(vm);
  const deletions = String(params.delete ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);
  for (const key of deletions) {
    if (key in params) {
      throw new EmulatorHttpError(400, 'Parameter verification failed.', {
        delete: `cannot set and delete '${key}' at the same time`,
      });
    }
  }
  const running = vm.status === 'running';
  const changes = Object.entries(params).filter(
    ([key, value]) => !CONTROL_PARAMS.has(key) && value !== undefined,
  ) as Array<[string, string | number]>;
  checkBootOrder(vm, params, deletions);
  const boot =
    params.boot === undefined ? bootOrderAfter(vm, Object.fromEntries(changes), deletions) : undefined;
  // As qemu-server's update worker: deletions first, then each change, checked as it is written.
  for (const key of deletions) {
    if (running && !deletesAtOnce(vm, key)) {
      setPending(vm, key, null);
      continue;
    }
    const old = vm.config[key];
    delete vm.config[key];
    dropPending(vm, key);
    // Removing a disk detaches it as unusedN, as Proxmox does; a cloud-init drive or a CD-ROM just goes,
    // and so does a disk deleted with `force` (its volume freed).
    if (
      old !== undefined &&
      DISK_KEY.test(key) &&
      !String(old).includes('media=cdrom') &&
      params.force !== 1
    ) {
      let n = 0;
      while (vm.config[`unused${n}`] !== undefined) n++;
      vm.config[`unused${n}`] = String(old).split(',')[0]!;
    }
  }
  for (const [key, value] of changes) {
    checkDevice(writer.state, vm, key, value, writer.actor);
    const normalised = normaliseValue(writer.state, vm, key, value);
    if (running && !takesAtOnce(vm, key, normalised)) {
      setPending(vm, key, normalised);
      continue;
    }
    vm.config[key] = normalised;
    dropPending(vm, key);
  }
  if (boot !== undefined) {
    if (running) setPending(vm, 'boot', boot);
    else vm.config.boot = boot;
  }
  cleanupPending(vm);
}

function dropPending(vm: EmulatorVm, key: string): void {
  if (!vm.pending || !(key in vm.pending)) return;
  const { [key]: _gone, ...rest } = vm.pending;
  vm.pending = Object.keys(rest).length ? rest : undefined;
}

/** The privilege a config key needs beyond the coarse schema check (Qemu.pm check_vm_modify_config_perm). */
function privilegeForKey(key: string, value: unknown): string {
  if (/^(ide|sata|scsi)\d+$/.test(key) && /media=cdrom/.test(String(value ?? ''))) return 'VM.Config.CDROM';
  if (/^(cores|sockets|cpu|cpulimit|cpuunits|vcpus|numa|affinity)$/.test(key)) return 'VM.Config.CPU';
  if (/^(memory|balloon|shares)$/.test(key)) return 'VM.Config.Memory';
  if (/^net\d+$/.test(key)) return 'VM.Config.Network';
  if (/^(ci\w+|ipconfig\d+|nameserver|searchdomain|sshkeys|cicustom)$/.test(key))
    return 'VM.Config.Cloudinit';
  if (/^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$|^unused\d+$/.test(key)) return 'VM.Config.Disk';
  if (
    /^(bios|machine|scsihw|vga|usb\d+|hostpci\d+|serial\d+|parallel\d+|audio0|rng0|watchdog|tablet|keyboard)$/.test(
      key,
    )
  )
    return 'VM.Config.HWType';
  return 'VM.Config.Options';
}

/** Refuses the update when the caller lacks the privilege of any key it sets or deletes. */
export function checkConfigPrivileges(
  vmid: number,
  keys: readonly string[],
  values: Record<string, unknown>,
  has: (priv: string, path: string) => boolean,
): void {
  for (const key of keys) {
    const priv = privilegeForKey(key, values[key]);
    if (!has(priv, `/vms/${vmid}`))
      throw new EmulatorHttpError(403, `Permission check failed (/vms/${vmid}, ${priv})`);
  }
}
