import { EngineError } from '../engine-errors.ts';
import { cdromSlot, cloudInitSlot, DRIVE_KEY, type VmProps } from '../proxmox/vm-config.ts';
import { type PropertyChange, propertyChange, proxmoxKeyOf } from './handler.ts';

/** What a drive that left its slot shows in a change, and what apply deletes. */
export const DRIVE_MOVED = '(removed: the drive moved to another slot)';

const isCloudInit = (value: unknown) => /cloudinit/.test(String(value ?? '').split(',')[0] ?? '');
const isCdrom = (value: unknown) => /(^|,)media=cdrom(,|$)/.test(String(value ?? '')) && !isCloudInit(value);

/**
 * Drives the plan moved to another slot, still in their old one (each
 * change names the old slot as its Proxmox key): the
 * cloud-init drive (a VM has one; any other slot holding one goes, including
 * the template's), and the plan's CD-ROM drive when its interface changed
 * since the last deploy (other CD-ROM drives are not the plan's).
 */
export function movedDriveChanges(
  props: VmProps,
  previous: Pick<VmProps, 'cdrom'> | undefined,
  live: Readonly<Record<string, unknown>>,
): PropertyChange[] {
  const changes: PropertyChange[] = [];
  const cloudInit = cloudInitSlot(props);
  if (cloudInit)
    for (const key of Object.keys(live).sort())
      if (key !== cloudInit && DRIVE_KEY.test(key) && isCloudInit(live[key]))
        changes.push(propertyChange('initialization.interface', live[key], DRIVE_MOVED, { api: key }));
  const before = previous?.cdrom ? (previous.cdrom.interface ?? 'ide3') : undefined;
  const declared = new Set([cdromSlot(props), cloudInit, ...(props.disk ?? []).map((d) => d.interface)]);
  if (before && !declared.has(before) && isCdrom(live[before]))
    changes.push(
      propertyChange(props.cdrom ? 'cdrom.interface' : 'cdrom', live[before], DRIVE_MOVED, { api: before }),
    );
  return changes;
}

/**
 * A running VM keeps a deleted drive until it restarts, and Proxmox refuses
 * a second cloud-init drive meanwhile: moving it needs the VM stopped.
 */
export function refuseCloudInitMoveWhileRunning(
  path: string,
  changes: readonly PropertyChange[],
  to: string | undefined,
  running: boolean,
): void {
  const moved = changes.find((c) => c.to === DRIVE_MOVED && isCloudInit(c.from));
  if (!moved || !running) return;
  throw new EngineError(
    'ENGINE_CANNOT_APPLY',
    `${path}: moving the cloud-init drive from ${proxmoxKeyOf(moved)} to ${to ?? 'another slot'} needs the VM stopped: Proxmox keeps the old drive of a running VM until it restarts, and takes no second cloud-init drive meanwhile; nothing was changed`,
    'deploy it with started: false first (the VM shuts down and the drive moves), then with started: true again',
  );
}
