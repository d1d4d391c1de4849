import { EngineError } from '../engine-errors.ts';
import type { VmProps } from '../proxmox/vm-config.ts';
import { type HandlerContext, type PropertyChange, propertyChange, proxmoxKeyOf } from './handler.ts';

/** What a removed disk's change shows, and what apply acts on. */
export const DISK_DETACHED = '(detached: kept as an unused disk of the VM)';
export const DISK_DELETED = '(deleted with its data)';

type Lifecycle = 'delete' | 'detach' | 'retain';

interface PlannedDisk {
  readonly slot: string;
  readonly lifecycle: Lifecycle;
  /** Its plan path, `disk[0]`. */
  readonly path: string;
}

/** A VM's disks as a plan (or the state's copy of one) declares them; references do not matter here. */
type DiskList = {
  readonly disk?: ReadonlyArray<{ readonly interface: string; readonly lifecycle?: Lifecycle }>;
};

/** The disks VM properties declare, with their lifecycle (default `delete`). */
export function plannedDisks(props: DiskList | undefined): PlannedDisk[] {
  return (props?.disk ?? []).map((d, i) => ({
    slot: d.interface,
    lifecycle: d.lifecycle ?? 'delete',
    path: `disk[${i}]`,
  }));
}

/** The slots, among those live, whose disks must never be destroyed. */
export function retainedDisks(
  props: DiskList | undefined,
  live: Readonly<Record<string, unknown>> | undefined,
): string[] {
  return plannedDisks(props)
    .filter((d) => d.lifecycle === 'retain' && (live === undefined || live[d.slot] !== undefined))
    .map((d) => d.slot);
}

/** Refuses a change that would destroy a retained disk, naming the disk and how to proceed. */
export function refuseRetained(path: string, slots: readonly string[], what: string): void {
  if (slots.length === 0) return;
  throw new EngineError(
    'ENGINE_DISK_RETAINED',
    `${path}: ${what} would destroy disk${slots.length > 1 ? 's' : ''} ${slots.join(', ')}, whose lifecycle is retain`,
    'copy the data off first, then set the lifecycle to delete (or detach) in the stack and deploy that before this change',
  );
}

/**
 * Disks the plan no longer declares but last applied and that are still
 * attached: `detach` keeps them as unused disks, `delete` destroys them,
 * `retain` refuses. Disks never declared are not the plan's to remove.
 */
export function removedDiskChanges(
  path: string,
  desired: VmProps,
  previous: DiskList | undefined,
  live: Readonly<Record<string, unknown>>,
): PropertyChange[] {
  const kept = new Set(plannedDisks(desired).map((d) => d.slot));
  const removed = plannedDisks(previous).filter((d) => !kept.has(d.slot) && live[d.slot] !== undefined);
  refuseRetained(
    path,
    removed.filter((d) => d.lifecycle === 'retain').map((d) => d.slot),
    'removing it from the plan',
  );
  // Named as the plan that last declared them did (the disk is no longer in the plan), the slot beside.
  return removed.map((d) =>
    propertyChange(d.path, live[d.slot], d.lifecycle === 'detach' ? DISK_DETACHED : DISK_DELETED, {
      api: d.slot,
    }),
  );
}

/** Detaches the removed disks (Proxmox turns them into `unusedN`), then destroys those whose lifecycle is delete. */
export async function applyDiskRemovals(
  ctx: HandlerContext,
  node: string,
  vmid: number,
  changes: readonly PropertyChange[],
): Promise<void> {
  const removals = changes.filter((c) => c.to === DISK_DETACHED || c.to === DISK_DELETED);
  if (removals.length === 0) return;
  const before = await ctx.api.qemuConfig(node, vmid);
  await ctx.api.updateQemuConfig(node, vmid, {
    delete: removals.map(proxmoxKeyOf).join(','),
    digest: String(before.digest),
  });
  const doomed = removals.filter((c) => c.to === DISK_DELETED).map((c) => volumeOf(before[proxmoxKeyOf(c)]));
  if (doomed.length === 0) return;
  const after = await ctx.api.qemuConfig(node, vmid);
  const unused = Object.keys(after).filter(
    (k) => /^unused\d+$/.test(k) && doomed.includes(volumeOf(after[k])),
  );
  // Deleting `unusedN` is what destroys the volume.
  if (unused.length)
    await ctx.api.updateQemuConfig(node, vmid, { delete: unused.join(','), digest: String(after.digest) });
}

function volumeOf(value: unknown): string {
  return String(value ?? '').split(',')[0]!;
}
