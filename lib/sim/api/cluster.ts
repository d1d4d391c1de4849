import { EmulatorHttpError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';

function nodeOf(ctx: EmulatorContext) {
  const node = ctx.state.nodes[String(ctx.params.node)];
  if (!node)
    throw new EmulatorHttpError(
      500,
      `hostname lookup '${String(ctx.params.node)}' failed - failed to get address info for: ${String(ctx.params.node)}: Name or service not known`,
    );
  return node;
}

function vmResource(ctx: EmulatorContext) {
  return Object.values(ctx.state.vms).map((vm) => {
    const entry: Record<string, unknown> = {
      id: `qemu/${vm.vmid}`,
      vmid: vm.vmid,
      type: 'qemu',
      node: vm.node,
      name: String(vm.config.name ?? `VM ${vm.vmid}`),
      status: vm.status,
      template: vm.config.template ? 1 : 0,
      uptime: vm.status === 'running' ? Math.floor((Date.now() - (vm.startedAt ?? Date.now())) / 1000) : 0,
      maxcpu: Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1),
      cpu: vm.status === 'running' ? 0.02 : 0,
      maxmem: Number(String(vm.config.memory ?? '512').replace(/^current=/, '')) * 1024 * 1024,
      mem: 0,
      maxdisk: 0,
      disk: 0,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
    };
    if (vm.config.tags) entry.tags = vm.config.tags;
    if (vm.lock) entry.lock = vm.lock;
    const pool = Object.entries(ctx.state.pools).find(([, p]) => p.members.includes(vm.vmid))?.[0];
    if (pool) entry.pool = pool;
    return entry;
  });
}

/** Version, nodes, the cluster-wide resource list and next free VM id. */
export const clusterHandlers: HandlerTable = [
  ['GET', '/version', () => ({ version: '8.4.1', release: '8.4', repoid: 'ec5affc9e41f1d79' })],
  [
    'GET',
    '/nodes',
    (ctx) =>
      Object.values(ctx.state.nodes).map((n) => ({
        node: n.name,
        status: 'online',
        type: 'node',
        id: `node/${n.name}`,
        level: '',
        cpu: 0.03,
        maxcpu: n.maxcpu,
        mem: Math.round(n.maxmem * 0.2),
        maxmem: n.maxmem,
        disk: 5_234_567_168,
        maxdisk: 100_861_726_720,
        uptime: 86_400,
      })),
  ],
  [
    'GET',
    '/nodes/{node}/status',
    (ctx) => {
      const n = nodeOf(ctx);
      // pve-manager's Nodes.pm `status`: uname, /proc and df of / (loadavg as text, as /proc/loadavg has it).
      const release = '6.8.12-9-pve';
      const version = '#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)';
      const rootfs = 100_861_726_720;
      return {
        cpu: 0.03,
        wait: 0,
        uptime: 86_400,
        idle: 0,
        loadavg: ['0.12', '0.09', '0.05'],
        pveversion: 'pve-manager/8.4.1/ec5affc9e41f1d79',
        kversion: `Linux ${release} ${version}`,
        'current-kernel': { sysname: 'Linux', release, version, machine: 'x86_64' },
        'boot-info': { mode: 'efi', secureboot: 0 },
        cpuinfo: { cpus: n.maxcpu, sockets: 1, cores: n.maxcpu / 2, model: 'Emulated CPU' },
        memory: { total: n.maxmem, used: Math.round(n.maxmem * 0.2), free: Math.round(n.maxmem * 0.8) },
        swap: { total: 0, used: 0, free: 0 },
        ksm: { shared: 0 },
        rootfs: {
          total: rootfs,
          used: 5_234_567_168,
          free: rootfs - 5_234_567_168,
          avail: rootfs - 10_277_011_456,
        },
      };
    },
  ],
  [
    'GET',
    '/cluster/resources',
    (ctx) => {
      const type = ctx.params.type as string | undefined;
      const out: unknown[] = [];
      if (!type || type === 'vm') out.push(...vmResource(ctx));
      if (!type || type === 'node') {
        for (const n of Object.values(ctx.state.nodes)) {
          out.push({
            id: `node/${n.name}`,
            type: 'node',
            node: n.name,
            status: 'online',
            level: '',
            cpu: 0.03,
            maxcpu: n.maxcpu,
            mem: 0,
            maxmem: n.maxmem,
            disk: 0,
            maxdisk: 100_861_726_720,
            uptime: 86_400,
          });
        }
      }
      if (!type || type === 'storage') {
        for (const n of Object.values(ctx.state.nodes)) {
          for (const s of Object.values(ctx.state.storages)) {
            out.push({
              id: `storage/${n.name}/${s.storage}`,
              type: 'storage',
              storage: s.storage,
              node: n.name,
              status: 'available',
              plugintype: s.type,
              shared: s.shared,
              content: s.content,
              disk: 0,
              maxdisk: 1_099_511_627_776,
            });
          }
        }
      }
      if (!type || type === 'sdn') {
        for (const n of Object.values(ctx.state.nodes))
          out.push({
            id: `sdn/${n.name}/localnetwork`,
            type: 'sdn',
            sdn: 'localnetwork',
            node: n.name,
            status: 'ok',
          });
      }
      if (!type)
        for (const pool of Object.keys(ctx.state.pools))
          out.push({ id: `/pool/${pool}`, type: 'pool', pool });
      // Like Cluster.pm, every entry is shown only to a caller who may audit it.
      return out.filter((entry) => mayAudit(ctx, entry as Record<string, unknown>));
    },
  ],
  [
    'GET',
    '/cluster/nextid',
    (ctx) => {
      if (ctx.params.vmid !== undefined) {
        const id = Number(ctx.params.vmid);
        if (ctx.state.vms[id])
          throw new EmulatorHttpError(400, 'Parameter verification failed.', {
            vmid: `VM ${id} already exists`,
          });
        return String(id);
      }
      for (let id = 100; id < 1_000_000; id++) if (!ctx.state.vms[id]) return String(id);
      throw new EmulatorHttpError(500, 'unable to get any free VMID in range [100, 1000000]');
    },
  ],
];

/** The audit privilege Proxmox checks before listing a resource in /cluster/resources. */
function mayAudit(ctx: EmulatorContext, entry: Record<string, unknown>): boolean {
  switch (entry.type) {
    case 'qemu':
    case 'lxc':
      return ctx.can('VM.Audit', `/vms/${String(entry.vmid)}`);
    case 'node':
      return ctx.can('Sys.Audit', `/nodes/${String(entry.node)}`);
    case 'storage':
      return (
        ctx.can('Datastore.Audit', `/storage/${String(entry.storage)}`) ||
        ctx.can('Datastore.AllocateSpace', `/storage/${String(entry.storage)}`)
      );
    case 'sdn':
      return ctx.can('SDN.Audit', `/sdn/zones/${String(entry.sdn)}`);
    case 'pool':
      return ctx.can('Pool.Audit', `/pool/${String(entry.pool)}`);
    default:
      return true;
  }
}
