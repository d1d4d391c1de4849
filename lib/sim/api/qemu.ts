import { dieError, EmulatorHttpError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import type { EmulatorState, EmulatorVm } from '../state.ts';
import { type TaskKind, workerDie } from '../task-runner.ts';
import { assertNotBeingCloned } from './clone-source-lock.ts';
import {
  applyConfigUpdate,
  assertUnlocked,
  checkConfigPrivileges,
  configDigest,
  normaliseValue,
  touchedKeys,
} from './qemu-config-store.ts';
import { checkDevice, checkStorageAccess } from './qemu-drives.ts';
import { removeUnreferencedVolumes } from './storage-files.ts';

function checkNode(ctx: EmulatorContext): string {
  const node = String(ctx.params.node);
  if (!ctx.state.nodes[node]) throw dieError(`no such cluster node '${node}'`);
  return node;
}

/** The VM, on the node the path names (Proxmox proxies to the owning node; here a mismatch is an error). */
export function vmOnNode(ctx: EmulatorContext): EmulatorVm {
  const vm = ctx.vm(ctx.params.vmid);
  if (vm.node !== String(ctx.params.node)) {
    throw dieError(
      `Configuration file 'nodes/${String(ctx.params.node)}/qemu-server/${vm.vmid}.conf' does not exist`,
    );
  }
  return vm;
}

/** A VM as a worker finds it when it ends, or Proxmox's "does not exist" die. */
export function workerVm(state: EmulatorState, vmid: number, node?: string): EmulatorVm {
  const vm = state.vms[String(vmid)];
  if (!vm || (node !== undefined && vm.node !== node))
    throw workerDie(`Configuration file 'nodes/${node ?? 'pve1'}/qemu-server/${vmid}.conf' does not exist`);
  return vm;
}

/** `qmcreate`: the new VM loses its `create` lock (and starts, when asked). */
const createTask: TaskKind<{ vmid: number; start: boolean }> = {
  name: 'qmcreate',
  run: (env, { vmid, start }) => {
    const vm = workerVm(env.state, vmid);
    vm.lock = undefined;
    if (start) {
      vm.status = 'running';
      vm.startedAt = env.now;
    }
    env.changed();
    return [`create VM ${vmid}`];
  },
};

/** `qmconfig` (POST config): the update is applied, with the requester's rights, when the worker runs. */
const configTask: TaskKind<{ vmid: number; params: Record<string, unknown>; actor: string }> = {
  name: 'qmconfig',
  run: (env, { vmid, params, actor }) => {
    const vm = workerVm(env.state, vmid);
    applyConfigUpdate(vm, params, { state: env.state, actor });
    env.changed();
    return [
      `update VM ${vmid}: ${Object.keys(params)
        .filter((k) => !['node', 'vmid'].includes(k) && params[k] !== undefined)
        .join(' ')}`,
    ];
  },
};

type DestroyArgs = {
  vmid: number;
  /** Also remove the VM from backup jobs and HA. */
  purge: boolean;
  /** Also remove the VM's volumes no config references (`destroy-unreferenced-disks`). */
  unreferenced: boolean;
};

/** `qmdestroy`: the VM goes, with its ACLs, pools and firewall; a failed destroy leaves it unlocked. */
const destroyTask: TaskKind<DestroyArgs> = {
  name: 'qmdestroy',
  run: (env, { vmid, purge, unreferenced }) => {
    const state = env.state;
    delete state.vms[String(vmid)];
    const log = [`destroy VM ${vmid}`];
    if (unreferenced)
      for (const volid of removeUnreferencedVolumes(state, vmid)) log.push(`Removing image: ${volid}`);
    // qemu-server's destroy: the VM's ACLs, pool membership and firewall go with it.
    removeFromPools(state, vmid);
    state.acl = state.acl.filter((a) => a.path !== `/vms/${vmid}`);
    if (state.firewall) delete state.firewall[`vm/${vmid}`];
    if (purge) log.push(...purgeVm(state, vmid));
    env.changed();
    return log;
  },
  undo: (env, { vmid }) => {
    const vm = env.state.vms[String(vmid)];
    if (vm) vm.lock = undefined;
    env.changed();
  },
};

export const qemuTaskKinds = [createTask, configTask, destroyTask];

/** VM list, create, config read and update (sync PUT, async POST), pending, destroy. */
export const qemuHandlers: HandlerTable = [
  [
    'GET',
    '/nodes/{node}/qemu',
    (ctx) => {
      const node = checkNode(ctx);
      return Object.values(ctx.state.vms)
        .filter((vm) => vm.node === node)
        .map((vm) => ({
          vmid: vm.vmid,
          name: String(vm.config.name ?? `VM ${vm.vmid}`),
          status: vm.status,
          cpus: Number(vm.config.cores ?? 1),
          maxmem: Number(String(vm.config.memory ?? '512')) * 1024 * 1024,
          maxdisk: 0,
          uptime: 0,
          cpu: 0,
          mem: 0,
          disk: 0,
          netin: 0,
          netout: 0,
          diskread: 0,
          diskwrite: 0,
          ...(vm.config.template ? { template: 1 } : {}),
          ...(vm.lock ? { lock: vm.lock } : {}),
          ...(vm.config.tags ? { tags: vm.config.tags } : {}),
        }));
    },
  ],
  [
    'POST',
    '/nodes/{node}/qemu',
    (ctx) => {
      const node = checkNode(ctx);
      const vmid = Number(ctx.params.vmid);
      const existing = ctx.state.vms[vmid];
      if (existing)
        throw dieError(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`);
      const { pool, start, node: _n, vmid: _v, ...settings } = ctx.params;
      checkStorageAccess(ctx.state, settings);
      const vm: EmulatorVm = { vmid, node, config: {}, status: 'stopped', snapshots: {}, lock: 'create' };
      ctx.state.vms[vmid] = vm;
      // One key at a time, so each new disk sees the volumes allocated before it.
      try {
        for (const [k, v] of Object.entries(settings)) {
          if (v === undefined) continue;
          checkDevice(ctx.state, vm, k, v as string | number, ctx.actor);
          vm.config[k] = normaliseValue(ctx.state, vm, k, v as string | number);
        }
      } catch (e) {
        delete ctx.state.vms[vmid];
        throw e;
      }
      if (pool !== undefined) addToPool(ctx, String(pool), vmid);
      ctx.changed();
      return ctx.tasks.start(
        { node, type: 'qmcreate', id: String(vmid), user: ctx.actor, latencyMs: ctx.latency.create },
        createTask,
        { vmid, start: Boolean(start) },
      );
    },
  ],
  [
    'GET',
    '/nodes/{node}/qemu/{vmid}/config',
    (ctx) => {
      const vm = vmOnNode(ctx);
      const config = { ...vm.config };
      // By default Proxmox shows pending values applied; `current=1` shows what runs now.
      if (ctx.params.current !== 1) {
        for (const [k, v] of Object.entries(vm.pending ?? {})) {
          if (v === null) delete config[k];
          else config[k] = v;
        }
      }
      // Proxmox never shows the cloud-init password, only that one is set.
      if (config.cipassword !== undefined) config.cipassword = '**********';
      return {
        ...config,
        ...(vm.lock ? { lock: vm.lock } : {}),
        ...(vm.parent ? { parent: vm.parent } : {}),
        digest: configDigest(vm.config),
      };
    },
  ],
  [
    'PUT',
    '/nodes/{node}/qemu/{vmid}/config',
    (ctx) => {
      const vm = vmOnNode(ctx);
      checkConfigPrivileges(vm.vmid, touchedKeys(ctx.params), ctx.params, ctx.can);
      checkStorageAccess(ctx.state, ctx.params);
      assertNotBeingCloned(ctx, vm.vmid);
      applyConfigUpdate(vm, ctx.params, { state: ctx.state, actor: ctx.actor });
      ctx.changed();
      return null;
    },
  ],
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/config',
    (ctx) => {
      const vm = vmOnNode(ctx);
      checkConfigPrivileges(vm.vmid, touchedKeys(ctx.params), ctx.params, ctx.can);
      // Early checks (digest, lock, parameters) happen before the worker forks.
      if (ctx.params.digest !== undefined && ctx.params.digest !== configDigest(vm.config)) {
        throw dieError('checksum mismatch (file change by other user?)');
      }
      assertUnlocked(vm);
      assertNotBeingCloned(ctx, vm.vmid);
      checkStorageAccess(ctx.state, ctx.params);
      const params: Record<string, unknown> = { ...ctx.params, digest: undefined };
      return ctx.tasks.start(
        {
          node: vm.node,
          type: 'qmconfig',
          id: String(vm.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.config,
        },
        configTask,
        { vmid: vm.vmid, params, actor: ctx.actor },
      );
    },
  ],
  [
    'GET',
    '/nodes/{node}/qemu/{vmid}/pending',
    (ctx) => {
      const vm = vmOnNode(ctx);
      const keys = [...new Set([...Object.keys(vm.config), ...Object.keys(vm.pending ?? {})])].sort();
      return keys.map((key) => {
        const entry: Record<string, unknown> = { key };
        const hidden = (v: string | number) => (key === 'cipassword' ? '**********' : v);
        if (key in vm.config) entry.value = hidden(vm.config[key]!);
        const pending = vm.pending?.[key];
        if (pending === null) entry.delete = 1;
        else if (pending !== undefined) entry.pending = hidden(pending);
        return entry;
      });
    },
  ],
  [
    'DELETE',
    '/nodes/{node}/qemu/{vmid}',
    (ctx) => {
      const vm = vmOnNode(ctx);
      assertUnlocked(vm);
      assertNotBeingCloned(ctx, vm.vmid);
      if (vm.config.protection) throw dieError(`can't remove VM ${vm.vmid} - protection mode enabled`);
      if (vm.status === 'running') throw dieError(`VM ${vm.vmid} is running - destroy failed`);
      const purge = ctx.params.purge === 1;
      if (!purge && ctx.state.haResources?.[`vm:${vm.vmid}`])
        throw dieError(`unable to remove VM ${vm.vmid} - used in HA resources and purge parameter not set.`);
      const unreferenced = ctx.params['destroy-unreferenced-disks'] === 1;
      vm.lock = 'destroyed';
      ctx.changed();
      return ctx.tasks.start(
        {
          node: vm.node,
          type: 'qmdestroy',
          id: String(vm.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.destroy,
        },
        destroyTask,
        { vmid: vm.vmid, purge, unreferenced },
      );
    },
  ],
];

/** `purge`: the VM leaves backup jobs (a job backing up only it goes) and HA (pve-guest-common, qemu-server). */
function purgeVm(state: EmulatorState, vmid: number): string[] {
  const log = [`purging VM ${vmid} from related configurations..`];
  for (const [id, job] of Object.entries(state.backupJobs ?? {})) {
    if (job.vmid !== undefined) {
      const rest = String(job.vmid)
        .split(/[,;\s]+/)
        .filter((v) => v && v !== String(vmid));
      if (rest.length) job.vmid = rest.join(',');
      else delete state.backupJobs![id];
    } else if (job.exclude !== undefined) {
      const rest = String(job.exclude)
        .split(/[,;\s]+/)
        .filter((v) => v && v !== String(vmid));
      if (rest.length) job.exclude = rest.join(',');
      else delete job.exclude;
    }
  }
  if (state.haResources?.[`vm:${vmid}`]) {
    delete state.haResources[`vm:${vmid}`];
    log.push(`NOTE: removed VM ${vmid} from HA resource configuration.`);
  }
  return log;
}

export function removeFromPools(state: EmulatorState, vmid: number): void {
  for (const p of Object.values(state.pools)) p.members = p.members.filter((m) => m !== vmid);
}

export function addToPool(ctx: EmulatorContext, pool: string, vmid: number): void {
  const entry = ctx.state.pools[pool];
  if (!entry) throw new EmulatorHttpError(500, `pool '${pool}' does not exist`);
  if (!entry.members.includes(vmid)) entry.members.push(vmid);
}
