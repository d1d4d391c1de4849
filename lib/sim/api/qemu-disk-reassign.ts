import { dieError, paramError } from '../emulator-error.ts';
import type { EmulatorContext } from '../handler.ts';
import { permissionDenied } from '../permission-check.ts';
import type { EmulatorState, EmulatorVm } from '../state.ts';
import type { TaskKind } from '../task-runner.ts';
import { applyConfigUpdate, assertUnlocked, configDigest } from './qemu-config-store.ts';
import { bootOrderAfter } from './qemu-drives.ts';
import { isFileStorage, nextDiskName, storageType, volumeFormat } from './qemu-volumes.ts';

/**
 * Moving a disk to another VM (`move_disk` with `target-vmid`, qemu-server's
 * "reassign"): nothing is copied; the volume is renamed to the target VM's
 * id (pve-storage `rename_volume`), leaves the source config and joins the
 * target's under `target-disk` (default: the same key).
 */
export interface ReassignArgs {
  readonly vmid: number;
  readonly targetVmid: number;
  readonly disk: string;
  readonly targetDisk: string;
  readonly digest: string | undefined;
  readonly targetDigest: string | undefined;
  /** Who asked, for the target's config update. */
  readonly actor: string;
}

const isCdrom = (value: string) => /(^|,)media=cdrom(,|$)/.test(value);

/**
 * The new name of a renamed volume. Directory storages (pve-storage Plugin.pm)
 * keep a linked clone's base part (`9000/base-9000-disk-0.qcow2/`) and file the
 * image under the target's directory; RBD keeps the base image name; LVM and
 * LVM-thin name the logical volume only. Every one numbers disks per target VM.
 */
function renamedVolume(state: EmulatorState, volid: string, targetVmid: number): string {
  const storage = volid.slice(0, volid.indexOf(':'));
  const volname = volid.slice(storage.length + 1);
  const format = volumeFormat(volid);
  if (isFileStorage(state, storage)) {
    const base = /^(\d+\/base-\d+-disk-\d+(?:\.\w+)?\/)/.exec(volname)?.[1] ?? '';
    return `${storage}:${base}${targetVmid}/${nextDiskName(state, storage, targetVmid, `.${format}`)}`;
  }
  const base =
    storageType(state, storage) === 'rbd' ? (/^(base-\d+-disk-\d+\/)/.exec(volname)?.[1] ?? '') : '';
  return `${storage}:${base}${nextDiskName(state, storage, targetVmid, '')}`;
}

/** Qemu.pm's `$load_and_check_reassign_configs`: made before forking and again in the worker. */
export function checkReassign(
  state: EmulatorState,
  args: ReassignArgs,
): { source: EmulatorVm; target: EmulatorVm; volid: string; drive: string } {
  const { vmid, targetVmid, disk, targetDisk } = args;
  const source = state.vms[String(vmid)];
  const target = state.vms[String(targetVmid)];
  if (!source) throw dieError(`could not find VM ${vmid}`);
  if (!target) throw dieError(`could not find target VM ${targetVmid}`);
  if (source.node !== target.node)
    throw dieError(`Both VMs need to be on the same node (${source.node} != ${target.node})`);
  assertUnlocked(source);
  assertUnlocked(target);
  if (source.config.template || target.config.template)
    throw dieError("Can't move disks from or to template VMs");
  if (args.digest !== undefined && args.digest !== configDigest(source.config))
    throw dieError(`VM ${vmid}: detected modified configuration - file changed by other user? Try again.`);
  if (args.targetDigest !== undefined && args.targetDigest !== configDigest(target.config))
    throw dieError(
      `VM ${targetVmid}: detected modified configuration - file changed by other user? Try again.`,
    );
  const current = source.config[disk];
  if (current === undefined) throw dieError(`Disk '${disk}' for VM '${vmid}' does not exist`);
  if (target.config[targetDisk] !== undefined)
    throw dieError(`Target disk key '${targetDisk}' is already in use for VM '${targetVmid}'`);
  const drive = String(current);
  const volid = drive.split(',')[0]!;
  if (!volid.includes(':')) throw dieError(`disk '${disk}' has no associated volume`);
  if (isCdrom(drive)) throw dieError("CD drive contents can't be moved to another VM");
  // is_volume_in_use: another key of the config, or a snapshot, refers to the volume.
  const inUse =
    Object.entries(source.config).some(([k, v]) => k !== disk && String(v).split(',')[0] === volid) ||
    Object.values(source.snapshots).some((s) =>
      Object.values(s.config).some((v) => String(v).split(',')[0] === volid),
    );
  if (inUse) throw dieError("Can't move disk used by a snapshot to another VM");
  // The `rename` feature exists for current volumes only, not for a template's base volume.
  if (/(?:^|[:/])base-\d+-disk-\d+(?:\.\w+)?$/.test(volid))
    throw dieError('Storage does not support moving of this disk to another VM');
  if (source.status === 'running' && !/^unused\d+$/.test(disk))
    throw dieError('Cannot move disk to another VM while the source VM is running - detach first');
  return { source, target, volid, drive };
}

/** The `qmmove` worker of a reassign: rename the volume, take it out of the source, give it to the target. */
export const reassignDiskTask: TaskKind<ReassignArgs> = {
  name: 'qmmove-reassign',
  run: (env, args) => {
    const { source, target, volid, drive } = checkReassign(env.state, args);
    const { vmid, targetVmid, disk, targetDisk } = args;
    const log = [`reassign disk '${disk}' from VM '${vmid}' as '${targetDisk}' to VM '${targetVmid}'`];
    const renamed = renamedVolume(env.state, volid, targetVmid);
    const boot = bootOrderAfter(source, {}, [disk]);
    if (boot !== undefined) {
      log.push(`removing disk '${disk}' from boot order config`);
      source.config.boot = boot;
    }
    delete source.config[disk];
    log.push(`removing disk '${disk}' from VM '${vmid}' config`);
    // An unused slot takes the volume alone; a drive keeps the source drive's options.
    if (/^unused\d+$/.test(targetDisk)) target.config[targetDisk] = renamed;
    else {
      const options = /^unused\d+$/.test(disk) ? [] : drive.split(',').slice(1);
      applyConfigUpdate(
        target,
        { [targetDisk]: [renamed, ...options].join(',') },
        { state: env.state, actor: args.actor },
      );
    }
    env.changed();
    return log;
  },
};

/** The API side of a reassign: Qemu.pm's permission and parameter checks, then the worker. */
export function startReassign(ctx: EmulatorContext, source: EmulatorVm, targetVmid: number): unknown {
  const disk = String(ctx.params.disk);
  const args: ReassignArgs = {
    vmid: source.vmid,
    targetVmid,
    disk,
    targetDisk: String(ctx.params['target-disk'] ?? disk),
    digest: ctx.params.digest as string | undefined,
    targetDigest: ctx.params['target-digest'] as string | undefined,
    actor: ctx.actor,
  };
  if (!ctx.can('VM.Config.Disk', `/vms/${targetVmid}`))
    throw permissionDenied(`/vms/${targetVmid}, VM.Config.Disk`);
  if (targetVmid === source.vmid)
    throw paramError({ 'target-vmid': 'must be different than source VMID to reassign disk' });
  const { volid } = checkReassign(ctx.state, args);
  const storage = volid.slice(0, volid.indexOf(':'));
  if (!ctx.can('Datastore.AllocateSpace', `/storage/${storage}`))
    throw permissionDenied(`/storage/${storage}, Datastore.AllocateSpace`);
  return ctx.tasks.start(
    {
      node: source.node,
      type: 'qmmove',
      id: `${source.vmid}-${disk}>${targetVmid}-${args.targetDisk}`,
      user: ctx.actor,
      latencyMs: ctx.latency.config,
    },
    reassignDiskTask,
    args,
  );
}
