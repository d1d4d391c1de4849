import { dieError, paramError } from '../emulator-error.ts';
import type { EmulatorState, EmulatorVm } from '../state.ts';

/**
 * qemu-server 8's checks of the drives and devices a create or config update
 * sets (API2/Qemu.pm `$check_storage_access`, `create_disks`, the serial
 * port rule), and the boot order it keeps in step with new CD-ROM drives.
 */

const DRIVE = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;
/** `storage:size`: a new volume to allocate. */
const NEW_DISK = /^([^:,]+):(\d+(?:\.\d+)?)(?:,|$)/;

const isCloudInit = (value: unknown) => /^[^,]*cloudinit(,|$)/.test(String(value ?? ''));
const isCdrom = (value: unknown) => /(^|,)media=cdrom(,|$)/.test(String(value ?? '')) && !isCloudInit(value);
const volumeOf = (value: unknown) => String(value ?? '').split(',')[0]!;

/** Before anything changes: a new disk goes on a storage that holds VM images. */
export function checkStorageAccess(state: EmulatorState, params: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(params)) {
    if (!DRIVE.test(key) || isCdrom(value)) continue;
    const storage = NEW_DISK.exec(String(value ?? ''))?.[1];
    if (storage === undefined) continue;
    const scfg = state.storages[storage];
    if (!scfg) throw paramError({ storage: `storage '${storage}' does not exist` });
    if (!scfg.content.split(',').includes('images'))
      throw paramError({ storage: `storage '${storage}' does not support vm images` });
  }
}

/**
 * While the change is written: one cloud-init drive per VM, an inserted ISO
 * exists, and a serial port on a host device is root@pam's alone (an API
 * token of root is not root@pam).
 */
export function checkDevice(
  state: EmulatorState,
  vm: EmulatorVm,
  key: string,
  value: string | number,
  actor: string,
): void {
  const text = String(value);
  if (DRIVE.test(key) && isCloudInit(text)) {
    // The current config and the pending changes alike: a drive deleted while running still counts.
    const other = [...Object.entries(vm.config), ...Object.entries(vm.pending ?? {})].find(
      ([k, v]) => k !== key && DRIVE.test(k) && isCloudInit(v),
    )?.[0];
    if (other) throw dieError(`${key} - cloud-init drive is already attached at '${other}'`);
  }
  if (DRIVE.test(key) && isCdrom(text)) {
    const volid = volumeOf(text);
    const storage = volid.includes(':') ? volid.split(':')[0]! : undefined;
    if (storage !== undefined) {
      const shared = state.storages[storage]?.shared;
      const file = state.storageFiles?.[`${shared ? '*' : vm.node}/${volid}`];
      if (!file) throw dieError(`volume ${volid} does not exist`);
      if (file.content !== 'iso' && file.content !== 'images')
        throw paramError({ [key]: "content type needs to be 'images' or 'iso'" });
    }
  }
  if (/^serial\d+$/.test(key) && text !== 'socket' && actor !== 'root@pam')
    throw dieError(`only root can modify '${key}' config for real devices`);
}

/** A boot order names devices the VM has, or is given in the same change, and keeps (API2/Qemu.pm). */
export function checkBootOrder(
  vm: EmulatorVm,
  params: Readonly<Record<string, unknown>>,
  deleted: readonly string[],
): void {
  const order = /(?:^|,)order=([^,]*)/.exec(String(params.boot ?? ''))?.[1];
  for (const dev of (order ?? '').split(';').filter(Boolean)) {
    const exists =
      vm.config[dev] !== undefined || (vm.pending?.[dev] ?? null) !== null || params[dev] !== undefined;
    if (!exists || deleted.includes(dev))
      throw dieError(`invalid bootorder: device '${dev}' does not exist'`);
  }
}

/**
 * A CD-ROM drive added to a VM with a boot order joins the end of it, to be
 * bootable (API2/Qemu.pm); a drive deleted leaves it. Returns the new `boot`
 * value, or undefined when the order does not change.
 */
export function bootOrderAfter(
  vm: EmulatorVm,
  added: Readonly<Record<string, unknown>>,
  deleted: readonly string[],
): string | undefined {
  const order = /(?:^|,)order=([^,]*)/.exec(String(vm.config.boot ?? ''))?.[1];
  if (!order) return undefined;
  let devices = order.split(';').filter(Boolean);
  const before = devices.join(';');
  devices = devices.filter((d) => !deleted.includes(d));
  for (const [key, value] of Object.entries(added))
    if (DRIVE.test(key) && isCdrom(value) && vm.config[key] === undefined && !devices.includes(key))
      devices.push(key);
  return devices.join(';') === before ? undefined : `order=${devices.join(';')}`;
}
