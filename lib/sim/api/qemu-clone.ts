import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import type { EmulatorState, EmulatorVm, QemuConfig } from '../state.ts';
import { logTask, type TaskKind, workerDie } from '../task-runner.ts';
import { addToPool, removeFromPools, vmOnNode } from './qemu.ts';
import { assertUnlocked, normaliseValue } from './qemu-config-store.ts';
import { copyDrive, linkedCloneVolume } from './qemu-volumes.ts';

/** How many full clones one storage runs at once before the next waits on its lock. */
export const STORAGE_CLONE_LIMIT = 2;
/** Proxmox's lock wait before "got timeout", in ms at latency scale 1. */
const LOCK_WAIT_MS = 10_000;

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
  /** The storage the copy is allocated on. */
  store: string;
  /** More full clones than the storage runs at once were in flight: this one times out on its lock. */
  overLimit: boolean;
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
    if (args.overLimit)
      throw workerDie(`can't lock file '/var/lock/pve-manager/pve-storage-${args.store}' - got timeout`);
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

/** Full clones still copying onto `store`: Proxmox serialises their allocations on the storage lock. */
function fullClonesOn(ctx: EmulatorContext, store: string): number {
  return Object.values(ctx.state.tasks ?? {}).filter((t) => {
    if (t.status !== 'running' || t.work.kind !== cloneTask.name) return false;
    const args = t.work.args as CloneArgs;
    return args.full && args.store === store;
  }).length;
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

      const store = storage ?? String(source.config.scsi0 ?? 'local-lvm:').split(':')[0]!;
      const overLimit = full && fullClonesOn(ctx, store) >= STORAGE_CLONE_LIMIT;
      return ctx.tasks.start(
        {
          node: source.node,
          type: 'qmclone',
          id: String(source.vmid),
          user: ctx.actor,
          latencyMs: overLimit ? LOCK_WAIT_MS : ctx.latency.clone,
        },
        cloneTask,
        {
          source: source.vmid,
          newid,
          isTemplate,
          full,
          store,
          overLimit,
          drive: String(source.config.scsi0 ?? ''),
        },
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
