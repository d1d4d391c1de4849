import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, HandlerTable } from '../handler.ts';
import { vmOnNode } from './qemu.ts';
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
  const upid = ctx.tasks.start(vm.node, 'vncproxy', String(vm.vmid), ctx.actor, CONSOLE_WAIT_MS, () => []);
  return {
    user: ctx.actor,
    ticket: `PVEVNC:${Date.now().toString(16).toUpperCase()}::emulated`,
    port: 5900 + (vm.vmid % 100),
    upid,
    ...(withCert ? { cert: ctx.certificate } : {}),
  };
}

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
    // qemu-server 8.x forks a `resize` worker and answers its UPID; every check
    // (digest, lock, disk, shrinking) runs inside it, so they fail the task.
    (ctx) =>
      ctx.tasks.start(
        String(ctx.params.node),
        'resize',
        String(ctx.params.vmid),
        ctx.actor,
        ctx.latency.config,
        () => {
          const vm = vmOnNode(ctx);
          if (ctx.params.digest !== undefined && ctx.params.digest !== configDigest(vm.config))
            throw new Error('checksum mismatch (file change by other user?)');
          assertUnlocked(vm);
          const disk = String(ctx.params.disk);
          const current = vm.config[disk];
          if (current === undefined) throw new Error(`disk '${disk}' does not exist`);
          const have = Number(/size=(\d+)G/.exec(String(current))?.[1] ?? 0);
          const spec = /^(\+?)(\d+)G?$/.exec(String(ctx.params.size));
          if (!spec) throw new Error('internal error');
          const want = spec[1] ? have + Number(spec[2]) : Number(spec[2]);
          if (want < have) throw new Error('shrinking disks is not supported');
          if (want === have) return [];
          vm.config[disk] = String(current).replace(/size=\d+G/, `size=${want}G`);
          ctx.changed();
          return [`update VM ${vm.vmid}: resize --disk ${disk} --size ${String(ctx.params.size)}`];
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
        vm.node,
        'qmigrate',
        String(vm.vmid),
        ctx.actor,
        ctx.latency.clone,
        () => {
          vm.lock = undefined;
          if (liveLocal)
            throw new Error(
              `can't migrate local disk '${local!.volid}': can't live migrate attached local disks without with-local-disks option`,
            );
          vm.node = target;
          ctx.changed();
          return [`migration finished successfully`];
        },
        // A failed migration leaves the VM where it was, unlocked.
        () => {
          vm.lock = undefined;
        },
      );
    },
  ],
];
