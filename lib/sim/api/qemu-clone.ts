import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import type { EmulatorState, EmulatorVm, QemuConfig } from '../state.ts';
import { addToPool, removeFromPools, vmOnNode } from './qemu.ts';
import { assertUnlocked, normaliseValue } from './qemu-config-store.ts';
import { copyDrive, linkedCloneVolume } from './qemu-volumes.ts';

/** Full clones in flight per storage: Proxmox serialises them on the storage lock. */
const fullClonesPerStorage = new WeakMap<object, Map<string, number>>();
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
      const counts = fullClonesPerStorage.get(ctx.state) ?? new Map<string, number>();
      fullClonesPerStorage.set(ctx.state, counts);
      const busy = full ? (counts.get(store) ?? 0) : 0;
      if (full) counts.set(store, busy + 1);
      const release = () => {
        if (full) counts.set(store, (counts.get(store) ?? 1) - 1);
        if (!isTemplate) source.lock = undefined;
        target.lock = undefined;
      };
      const overLimit = busy >= STORAGE_CLONE_LIMIT;
      return ctx.tasks.start(
        source.node,
        'qmclone',
        String(source.vmid),
        ctx.actor,
        overLimit ? LOCK_WAIT_MS : ctx.latency.clone,
        () => {
          release();
          if (overLimit) {
            delete ctx.state.vms[newid];
            ctx.changed();
            // Proxmox's `die` in the worker: the task runner turns it into the task's exit status.
            throw new Error(`can't lock file '/var/lock/pve-manager/pve-storage-${store}' - got timeout`);
          }
          ctx.changed();
          return [
            `create ${full ? 'full' : 'linked'} clone of drive scsi0 (${String(source.config.scsi0 ?? '')})`,
          ];
        },
        // A clone that fails removes the half-made VM and frees the source, as qm clone does.
        () => {
          release();
          if (ctx.state.vms[newid] === target) delete ctx.state.vms[newid];
          removeFromPools(ctx, newid);
          ctx.changed();
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
      return ctx.tasks.start(vm.node, 'qmtemplate', String(vm.vmid), ctx.actor, ctx.latency.config, () => [
        `convert VM ${vm.vmid} to template`,
      ]);
    },
  ],
];
