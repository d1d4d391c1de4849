import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { logTask, type TaskKind, workerDie } from '../task-runner.ts';
import { vmOnNode, workerVm } from './qemu.ts';
import { assertUnlocked, configDigest } from './qemu-config-store.ts';
import { configVolumes } from './qemu-volumes.ts';

/** How long a console proxy waits for its client before its task ends (qemu-server's 10 s). */
const CONSOLE_WAIT_MS = 10_000;

/**
 * A console ticket and port, as vncproxy and termproxy answer, with the UPID
 * of the `vncproxy` task that serves it (there is no console behind it; the
 * task ends when no client came). vncproxy adds the certificate to trust.
 */
function consoleTicket(ctx: EmulatorContext, withCert: boolean) {
  const vm = vmOnNode(ctx);
  const upid = ctx.tasks.start(
    { node: vm.node, type: 'vncproxy', id: String(vm.vmid), user: ctx.actor, latencyMs: CONSOLE_WAIT_MS },
    logTask,
    [],
  );
  return {
    user: ctx.actor,
    ticket: `PVEVNC:${Date.now().toString(16).toUpperCase()}::emulated`,
    port: 5900 + (vm.vmid % 100),
    upid,
    ...(withCert ? { cert: ctx.certificate } : {}),
  };
}

type ResizeArgs = { node: string; vmid: number; disk: string; size: string; digest?: string };

/**
 * `resize`: qemu-server 8.x forks the worker and answers its UPID; every check
 * (digest, lock, disk, shrinking) runs inside it, so they fail the task.
 */
const resizeTask: TaskKind<ResizeArgs> = {
  name: 'resize',
  run: (env, { node, vmid, disk, size, digest }) => {
    const vm = workerVm(env.state, vmid, node);
    if (digest !== undefined && digest !== configDigest(vm.config))
      throw workerDie('checksum mismatch (file change by other user?)');
    assertUnlocked(vm);
    const current = vm.config[disk];
    if (current === undefined) throw workerDie(`disk '${disk}' does not exist`);
    const have = Number(/size=(\d+)G/.exec(String(current))?.[1] ?? 0);
    const spec = /^(\+?)(\d+)G?$/.exec(size);
    if (!spec) throw workerDie('internal error');
    const want = spec[1] ? have + Number(spec[2]) : Number(spec[2]);
    if (want < have) throw workerDie('shrinking disks is not supported');
    if (want === have) return [];
    vm.config[disk] = String(current).replace(/size=\d+G/, `size=${want}G`);
    env.changed();
    return [`update VM ${vmid}: resize --disk ${disk} --size ${size}`];
  },
};

type MigrateArgs = {
  vmid: number;
  target: string;
  /** A disk on a node's own storage of a running VM migrated without with-local-disks: phase 1 refuses it. */
  liveLocalDisk?: string;
};

/** `qmigrate`: the VM moves; a failed migration leaves it where it was, unlocked. */
const migrateTask: TaskKind<MigrateArgs> = {
  name: 'qmigrate',
  run: (env, { vmid, target, liveLocalDisk }) => {
    const vm = workerVm(env.state, vmid);
    vm.lock = undefined;
    if (liveLocalDisk !== undefined)
      throw workerDie(
        `can't migrate local disk '${liveLocalDisk}': can't live migrate attached local disks without with-local-disks option`,
      );
    vm.node = target;
    env.changed();
    return ['migration finished successfully'];
  },
  undo: (env, { vmid }) => {
    const vm = env.state.vms[String(vmid)];
    if (vm) vm.lock = undefined;
    env.changed();
  },
};

export const qemuExtraTaskKinds = [resizeTask, migrateTask];

/** Guest agent, consoles, resize and migrate. */
export const qemuExtraHandlers: HandlerTable = [
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/agent/ping',
    (ctx) => {
      const vm = vmOnNode(ctx);
      if (!String(vm.config.agent ?? '0').startsWith('1')) throw dieError('No QEMU guest agent configured');
      if (vm.status !== 'running') throw dieError(`VM ${vm.vmid} is not running`);
      // Agent calls wrap the agent's answer in `result`; guest-ping answers an empty object.
      return { result: {} };
    },
  ],
  [
    'GET',
    '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    (ctx) => {
      const vm = vmOnNode(ctx);
      if (!String(vm.config.agent ?? '0').startsWith('1')) throw dieError('No QEMU guest agent configured');
      if (vm.status !== 'running') throw dieError(`VM ${vm.vmid} is not running`);
      const result = Object.entries(vm.config)
        .filter(([k]) => /^net\d+$/.test(k))
        .map(([k, v], i) => {
          const mac = /=([0-9A-F:]{17})/i.exec(String(v))?.[1]?.toLowerCase() ?? '';
          const ip = /ip=([\d.]+)\/(\d+)/.exec(String(vm.config[`ipconfig${k.slice(3)}`] ?? ''));
          return {
            name: `eth${i}`,
            'hardware-address': mac,
            'ip-addresses': ip
              ? [{ 'ip-address-type': 'ipv4', 'ip-address': ip[1], prefix: Number(ip[2]) }]
              : [],
          };
        });
      return {
        result: [
          {
            name: 'lo',
            'hardware-address': '00:00:00:00:00:00',
            'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }],
          },
          ...result,
        ],
      };
    },
  ],
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/agent/exec',
    (ctx) => {
      const vm = vmOnNode(ctx);
      if (vm.status !== 'running') throw dieError(`VM ${vm.vmid} is not running`);
      return { pid: 4242 };
    },
  ],
  [
    'GET',
    '/nodes/{node}/qemu/{vmid}/agent/exec-status',
    (ctx) => {
      vmOnNode(ctx);
      return { exited: 1, exitcode: 0, 'out-data': '' };
    },
  ],
  ['POST', '/nodes/{node}/qemu/{vmid}/vncproxy', (ctx) => consoleTicket(ctx, true)],
  ['POST', '/nodes/{node}/qemu/{vmid}/termproxy', (ctx) => consoleTicket(ctx, false)],
  [
    'PUT',
    '/nodes/{node}/qemu/{vmid}/resize',
    (ctx) =>
      ctx.tasks.start(
        {
          node: String(ctx.params.node),
          type: 'resize',
          id: String(ctx.params.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.config,
        },
        resizeTask,
        {
          node: String(ctx.params.node),
          vmid: Number(ctx.params.vmid),
          disk: String(ctx.params.disk),
          size: String(ctx.params.size),
          ...(ctx.params.digest !== undefined ? { digest: String(ctx.params.digest) } : {}),
        },
      ),
  ],
  [
    'POST',
    '/nodes/{node}/qemu/{vmid}/migrate',
    (ctx) => {
      const vm = vmOnNode(ctx);
      assertUnlocked(vm);
      const target = String(ctx.params.target);
      if (!ctx.state.nodes[target]) throw dieError(`no such cluster node '${target}'`);
      if (target === vm.node) throw dieError(`target is local node.`);
      if (vm.status === 'running' && !ctx.params.online)
        throw dieError("can't migrate running VM without --online");
      // QemuMigrate's phase 1: a running VM's disks on a node's own storage move only when asked to.
      const local = configVolumes(vm.config).find(
        (v) => !/^unused/.test(v.key) && !ctx.state.storages[v.storage]?.shared,
      );
      const liveLocal =
        vm.status === 'running' && local !== undefined && ctx.params['with-local-disks'] !== 1;
      vm.lock = 'migrate';
      return ctx.tasks.start(
        {
          node: vm.node,
          type: 'qmigrate',
          id: String(vm.vmid),
          user: ctx.actor,
          latencyMs: ctx.latency.clone,
        },
        migrateTask,
        { vmid: vm.vmid, target, ...(liveLocal ? { liveLocalDisk: local!.volid } : {}) },
      );
    },
  ],
];
