import { dieError } from '../emulator-error.ts';
import type { EmulatorContext, EmulatorHandler, HandlerTable } from '../handler.ts';
import type { TaskKind } from '../task-runner.ts';
import { vmOnNode, workerVm } from './qemu.ts';
import { applyPending, assertUnlocked } from './qemu-config-store.ts';

type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume';

const RESULT: Record<PowerAction, 'running' | 'stopped'> = {
  start: 'running',
  stop: 'stopped',
  shutdown: 'stopped',
  reboot: 'running',
  reset: 'running',
  suspend: 'running',
  resume: 'running',
};

/** `qmstart`, `qmstop`, ...: the VM's power state when the worker ends. */
const powerTask: TaskKind<{ vmid: number; action: PowerAction }> = {
  name: 'qmpower',
  run: (env, { vmid, action }) => {
    const vm = workerVm(env.state, vmid);
    // A cold start or an API reboot picks up what waited in [PENDING].
    if (action === 'start' || action === 'reboot') applyPending(vm);
    vm.status = RESULT[action];
    if (vm.status === 'running' && (action === 'start' || !vm.startedAt)) vm.startedAt = env.now;
    if (vm.status === 'stopped') vm.startedAt = undefined;
    env.changed();
    return [`${action} VM ${vmid}`];
  },
};

export const qemuStatusTaskKinds = [powerTask];

function power(action: PowerAction): EmulatorHandler {
  return (ctx: EmulatorContext) => {
    const vm = vmOnNode(ctx);
    if (vm.config.template) throw dieError(`you can't ${action} a vm if it's a template`);
    // stop may override a lock the way `qm stop --skiplock` would only for root; keep Proxmox's plain check.
    assertUnlocked(vm);
    if (action === 'start' && vm.status === 'running') throw dieError(`VM ${vm.vmid} already running`);
    if (['reboot', 'reset', 'suspend', 'shutdown'].includes(action) && vm.status !== 'running') {
      throw dieError(`VM ${vm.vmid} not running`);
    }
    return ctx.tasks.start(
      {
        node: vm.node,
        type: `qm${action}`,
        id: String(vm.vmid),
        user: ctx.actor,
        latencyMs: ctx.latency.power,
      },
      powerTask,
      { vmid: vm.vmid, action },
    );
  };
}

/** Power state: current status and the power actions, each a task. */
export const qemuStatusHandlers: HandlerTable = [
  [
    'GET',
    '/nodes/{node}/qemu/{vmid}/status/current',
    (ctx) => {
      const vm = vmOnNode(ctx);
      return {
        vmid: vm.vmid,
        status: vm.status,
        qmpstatus: vm.status,
        name: String(vm.config.name ?? `VM ${vm.vmid}`),
        cpus: Number(vm.config.cores ?? 1),
        maxmem: Number(String(vm.config.memory ?? '512')) * 1024 * 1024,
        maxdisk: 0,
        mem: 0,
        cpu: 0,
        disk: 0,
        uptime: vm.startedAt ? Math.floor((Date.now() - vm.startedAt) / 1000) : 0,
        netin: 0,
        netout: 0,
        diskread: 0,
        diskwrite: 0,
        ha: { managed: 0 },
        ...(String(vm.config.agent ?? '0').startsWith('1') ? { agent: 1 } : {}),
        ...(vm.lock ? { lock: vm.lock } : {}),
        ...(vm.config.tags ? { tags: vm.config.tags } : {}),
      };
    },
  ],
  ...(['start', 'stop', 'shutdown', 'reboot', 'reset', 'suspend', 'resume'] as const).map(
    (a) => ['POST', `/nodes/{node}/qemu/{vmid}/status/${a}`, power(a)] as [string, string, EmulatorHandler],
  ),
];
