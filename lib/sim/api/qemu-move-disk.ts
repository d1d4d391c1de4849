import { dieError, paramError } from '../emulator-error.ts';
import type { HandlerTable } from '../handler.ts';
import { permissionDenied } from '../permission-check.ts';
import type { TaskKind } from '../task-runner.ts';
import { vmOnNode, workerVm } from './qemu.ts';
import {
  applyConfigUpdate,
  assertUnlocked,
  canonicalPropertyString,
  checkConfigPrivileges,
  configDigest,
} from './qemu-config-store.ts';
import { reassignDiskTask, startReassign } from './qemu-disk-reassign.ts';
import { copyDrive, volumeFormat } from './qemu-volumes.ts';

interface MoveArgs {
  readonly vmid: number;
  readonly node: string;
  readonly disk: string;
  readonly storage: string;
  readonly remove: boolean;
}

/** The first `unusedN` key a config does not use (QemuConfig add_unused_volume). */
function freeUnusedKey(config: Record<string, unknown>): string {
  let n = 0;
  while (config[`unused${n}`] !== undefined) n++;
  return `unused${n}`;
}

/** The checks Qemu.pm move_vm_disk makes before forking and again in the worker. */
function checkMove(
  vm: {
    config: Record<string, string | number>;
    snapshots: Record<string, { config: Record<string, unknown> }>;
  },
  disk: string,
  storage: string,
  format: string | undefined,
  remove: boolean,
): string {
  const current = vm.config[disk];
  if (current === undefined) throw dieError(`disk '${disk}' does not exist`);
  const volid = String(current).split(',')[0]!;
  if (!volid.includes(':')) throw dieError(`disk '${disk}' has no associated volume`);
  if (/media=cdrom/.test(String(current))) throw dieError("you can't move a cdrom");
  const oldStorage = volid.split(':')[0];
  if (oldStorage === storage && (!format || volumeFormat(volid) === format))
    throw dieError("you can't move to the same storage with same format");
  const snapshotted = Object.values(vm.snapshots).some((s) =>
    Object.values(s.config).some((v) => String(v).split(',')[0] === volid),
  );
  if (snapshotted && remove) throw dieError("you can't move a disk with snapshots and delete the source");
  return volid;
}

/** `qmmove`: the disk copied to the target storage; the source kept as unusedN, or freed with `delete`. */
const moveDiskTask: TaskKind<MoveArgs> = {
  name: 'qmmove',
  run: (env, { vmid, node, disk, storage, remove }) => {
    const vm = workerVm(env.state, vmid, node);
    assertUnlocked(vm);
    const source = String(vm.config[disk] ?? '');
    const oldVolid = checkMove(vm, disk, storage, undefined, remove);
    const moved = canonicalPropertyString(copyDrive(env.state, vmid, storage, source));
    vm.config[disk] = moved;
    const log = [`moving disk '${oldVolid}' to '${moved.split(',')[0]!}'`];
    if (remove) log.push(`removing source volume '${oldVolid}' after successful copy`);
    else {
      const key = freeUnusedKey(vm.config);
      vm.config[key] = oldVolid;
      log.push(`adding source volume '${oldVolid}' as '${key}' to config`);
    }
    env.changed();
    return log;
  },
};

export const qemuMoveDiskTaskKinds = [moveDiskTask, reassignDiskTask];

/** Disk moves between storages, and disk unlinking (qemu-server API2/Qemu.pm move_vm_disk, unlink). */
export const qemuMoveDiskHandlers: HandlerTable = [
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/move_disk',
    (ctx) => {
      const vm = vmOnNode(ctx);
      const storage = ctx.params.storage as string | undefined;
      const targetVmid = ctx.params['target-vmid'];
      if (targetVmid !== undefined && storage !== undefined) {
        const msg = "either set 'storage' or 'target-vmid', but not both";
        throw paramError({ 'target-vmid': msg, storage: msg });
      }
      if (targetVmid !== undefined) return startReassign(ctx, vm, Number(targetVmid));
      if (storage === undefined) {
        const msg = "both 'storage' and 'target-vmid' missing, either needs to be set";
        throw paramError({ 'target-vmid': msg, storage: msg });
      }
      if (!ctx.can('Datastore.AllocateSpace', `/storage/${storage}`))
        throw permissionDenied(`/storage/${storage}, Datastore.AllocateSpace`);
      const scfg = ctx.state.storages[storage];
      if (!scfg || !Object.hasOwn(ctx.state.storages, storage))
        throw dieError(`storage '${storage}' does not exist`);
      if (!scfg.content.split(',').includes('images'))
        throw paramError({ storage: `storage '${storage}' does not support vm images` });
      assertUnlocked(vm);
      if (ctx.params.digest !== undefined && ctx.params.digest !== configDigest(vm.config))
        throw dieError('detected modified configuration - file changed by other user? Try again.');
      const disk = String(ctx.params.disk);
      const remove = ctx.params.delete === 1;
      checkMove(vm, disk, storage, ctx.params.format as string | undefined, remove);
      return ctx.tasks.start(
        { node: vm.node, type: 'qmmove', id: String(vm.vmid), user: ctx.actor, latencyMs: ctx.latency.clone },
        moveDiskTask,
        { vmid: vm.vmid, node: vm.node, disk, storage, remove },
      );
    },
  ],
  [
    'PUT',
    '/nodes/{node}/qemu/{vmid}/unlink',
    // update_vm with `delete` = idlist: a drive becomes unusedN, or is freed with `force`.
    (ctx) => {
      const vm = vmOnNode(ctx);
      const params = { delete: ctx.params.idlist, ...(ctx.params.force === 1 ? { force: 1 } : {}) };
      const keys = String(ctx.params.idlist)
        .split(/[,;\s]+/)
        .filter(Boolean);
      checkConfigPrivileges(vm.vmid, keys, {}, ctx.can);
      applyConfigUpdate(vm, params, { state: ctx.state, actor: ctx.actor });
      ctx.changed();
      return null;
    },
  ],
];
