import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import type { EmulatorState, EmulatorVm, QemuConfig } from '../state.ts';
import { STORAGE_LOCK_WAIT_MS } from '../storage-io.ts';
import { logTask, type TaskKind, workerDie } from '../task-runner.ts';
import { addToPool, removeFromPools, vmOnNode } from './qemu.ts';
import { assertUnlocked, normaliseValue } from './qemu-config-store.ts';
import { copyDrive, linkedCloneVolume, sizeBytes } from './qemu-volumes.ts';

const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;

/**
 * The config of a clone: disks copied (full) or made thin copies of the
 * template's base volumes (linked), the cloud-init drive renamed, new MACs.
 */
function clonedConfig(
  state: EmulatorState,
  source: QemuConfig,
  target: EmulatorVm,
  storage: string | undefined,
  full: boolean,
): void {
  for (const [key, value] of Object.entries(source)) {
    if (key === 'template' || key === 'vmgenid' || key.startsWith('unused')) continue;
    const text = String(value);
    if (DISK_KEY.test(key) && !text.includes('media=cdrom')) {
      const [volid, ...options] = text.split(',');
      target.config[key] = full
        ? copyDrive(state, target.vmid, storage ?? volid!.split(':')[0]!, text)
        : [linkedCloneVolume(state, volid!, target.vmid), ...options].join(',');
    } else if (DISK_KEY.test(key)) {
      target.config[key] = text.replace(/vm-\d+-cloudinit/, `vm-${target.vmid}-cloudinit`);
    } else if (/^net\d+$/.test(key)) {
      // A clone gets new MAC addresses.
      target.config[key] = normaliseValue(state, target, key, text.replace(/^(\w+)=[0-9A-Fa-f:]+/, '$1'));
    } else {
      target.config[key] = value;
    }
  }
}

type CloneArgs = {
  source: number;
  newid: number;
  /** Source is a template: it was not locked. */
  isTemplate: boolean;
  full: boolean;
  /** Proxmox's error when the wait for a storage's lock timed out: the task fails with it. */
  lockTimeout?: string;
  drive: string;
};

/** Frees the source (a template was never locked) and the target of their clone locks. */
function releaseClone(state: EmulatorState, { source, newid, isTemplate }: CloneArgs): void {
  const from = state.vms[String(source)];
  if (from && !isTemplate && from.lock === 'clone') from.lock = undefined;
  const target = state.vms[String(newid)];
  if (target?.lock === 'create') target.lock = undefined;
}

/**
 * `qmclone`: the copy is done, both VMs are unlocked. One that waited past
 * Proxmox's lock timeout on the storage fails; a clone that fails removes the
 * half-made VM (and its pool membership) and frees the source, as qm clone does.
 */
const cloneTask: TaskKind<CloneArgs> = {
  name: 'qmclone',
  run: (env, args) => {
    if (args.lockTimeout) throw workerDie(args.lockTimeout);
    releaseClone(env.state, args);
    env.changed();
    return [`create ${args.full ? 'full' : 'linked'} clone of drive scsi0 (${args.drive})`];
  },
  undo: (env, args) => {
    releaseClone(env.state, args);
    if (env.state.vms[String(args.newid)]) delete env.state.vms[String(args.newid)];
    removeFromPools(env.state, args.newid);
    env.changed();
  },
};

/** What each storage a clone writes to does: how many volumes it allocates there, how many bytes it copies. */
function storageWork(
  sourceConfig: QemuConfig,
  storage: string | undefined,
  full: boolean,
): Map<string, { volumes: number; bytes: number }> {
  const work = new Map<string, { volumes: number; bytes: number }>();
  for (const [key, value] of Object.entries(sourceConfig)) {
    const text = String(value);
    if (!DISK_KEY.test(key) || text.includes('media=cdrom')) continue;
    const from = text.split(':')[0]!;
    // A full clone allocates on the target storage; a linked clone's thin copy stays beside its base.
    const store = full ? (storage ?? from) : from;
    const entry = work.get(store) ?? { volumes: 0, bytes: 0 };
    entry.volumes += 1;
    // A cloud-init drive is allocated and written anew, not copied.
    if (full && !/cloudinit/.test(text)) entry.bytes += sizeBytes(text) || 8 * 1024 ** 3;
    work.set(store, entry);
  }
  return work;
}

/**
 * The `qmclone` worker: it queues on each target storage's lock for its
 * allocations (failing as Proxmox does when the wait passes 10 s), then
 * copies a full clone's disks sharing the storage's bandwidth, then does its
 * own work (`latency.clone`). Its end moves while other copies come and go.
 */
function startCloneTask(
  ctx: EmulatorContext,
  sourceConfig: QemuConfig,
  args: Omit<CloneArgs, 'lockTimeout'>,
  storage: string | undefined,
): string {
  const now = Date.now();
  const work = storageWork(sourceConfig, storage, args.full);
  let lockedUntil = now;
  let lockTimeout: { error: string; failsAtMs: number } | undefined;
  // The worker runs on the source's node: a local target storage is that node's.
  const node = ctx.state.vms[String(args.source)]?.node ?? String(ctx.params.node);
  const at = (storage: string) => ({ storage, node, shared: Boolean(ctx.state.storages[storage]?.shared) });
  for (const [store, { volumes }] of work) {
    const allocation = ctx.storageIo.allocate(at(store), volumes, lockedUntil);
    if (!allocation.ok) {
      lockTimeout = { error: allocation.error, failsAtMs: allocation.failsAtMs };
      break;
    }
    lockedUntil = allocation.doneAtMs;
  }
  const upid = ctx.tasks.start(
    {
      node,
      type: 'qmclone',
      id: String(args.source),
      user: ctx.actor,
      latencyMs: lockTimeout ? STORAGE_LOCK_WAIT_MS : ctx.latency.clone,
    },
    cloneTask,
    { ...args, ...(lockTimeout ? { lockTimeout: lockTimeout.error } : {}) },
  );
  if (lockTimeout) {
    ctx.tasks.retime(upid, lockTimeout.failsAtMs);
    return upid;
  }
  // The worker's own work, scaled as the task runner scaled it.
  const ownMs = ctx.tasks.get(upid)!.latencyMs;
  const copyEnds = new Map<string, number>();
  const retime = () => ctx.tasks.retime(upid, Math.max(lockedUntil, ...copyEnds.values()) + ownMs);
  for (const [store, { bytes }] of work) {
    if (bytes === 0) continue;
    copyEnds.set(
      store,
      ctx.storageIo.copy(at(store), bytes, lockedUntil, (endsAtMs) => {
        copyEnds.set(store, endsAtMs);
        retime();
      }),
    );
  }
  retime();
  return upid;
}

export const qemuCloneTaskKinds = [cloneTask];

/** Clone (full or linked, with Proxmox's locks) and convert-to-template. */
export const qemuCloneHandlers: HandlerTable = [
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/clone',
    (ctx: EmulatorContext) => {
      const source = vmOnNode(ctx);
      const newid = Number(ctx.params.newid);
      const existing = ctx.state.vms[newid];
      if (existing) throw dieError(`unable to create VM ${newid}: config file already exists`);
      const isTemplate = Boolean(source.config.template);
      const full = ctx.params.full === undefined ? !isTemplate : ctx.params.full === 1;
      if (!full && !isTemplate)
        throw dieError("Linked clone feature is not supported for drive 'scsi0' (VM is not a template)");
      if (!full && (ctx.params.storage !== undefined || ctx.params.format !== undefined)) {
        throw dieError('storage and format options are only valid for full clones');
      }
      // Templates are not locked; a normal VM holds `clone` while it is copied.
      if (!isTemplate) assertUnlocked(source);
      const targetNode = String(ctx.params.target ?? source.node);
      if (!ctx.state.nodes[targetNode]) throw dieError(`no such cluster node '${targetNode}'`);
      const storage = ctx.params.storage as string | undefined;
      const target: EmulatorVm = {
        vmid: newid,
        node: targetNode,
        config: {},
        status: 'stopped',
        snapshots: {},
        lock: 'create',
      };
      // In the cluster while its disks are allocated, so each new volume sees the ones before it.
      ctx.state.vms[newid] = target;
      clonedConfig(ctx.state, source.config, target, storage, full);
      if (ctx.params.name !== undefined) target.config.name = String(ctx.params.name);
      if (ctx.params.description !== undefined) target.config.description = String(ctx.params.description);
      if (ctx.params.pool !== undefined) addToPool(ctx, String(ctx.params.pool), newid);
      if (!isTemplate) source.lock = 'clone';
      ctx.changed();

      return startCloneTask(
        ctx,
        source.config,
        {
          source: source.vmid,
          newid,
          isTemplate,
          full,
          drive: String(source.config.scsi0 ?? ''),
        },
        storage,
      );
    },
  ],
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/template',
    (ctx) => {
      const vm = vmOnNode(ctx);
      assertUnlocked(vm);
      if (vm.status === 'running') throw dieError("you can't convert a VM to template if VM is running");
      if (vm.config.template) throw dieError("you can't convert a template to a template");
      for (const [key, value] of Object.entries(vm.config)) {
        if (DISK_KEY.test(key))
          vm.config[key] = String(value).replace(`vm-${vm.vmid}-disk-`, `base-${vm.vmid}-disk-`);
      }
      vm.config.template = 1;
      ctx.changed();
      return ctx.tasks.start(
        {
          node: vm.node,
          type: 'qmtemplate',
          id: String(vm.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.config,
        },
        logTask,
        [`convert VM ${vm.vmid} to template`],
      );
    },
  ],
];
