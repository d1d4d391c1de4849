import { createServer, type Server, type Socket } from 'node:net';
import { qemuCloneHandlers } from '../api/qemu-clone.ts';
import { qemuStatusTaskKinds } from '../api/qemu-status.ts';
import type { Emulator } from '../emulator.ts';
import { EmulatorError } from '../emulator-errors.ts';
import type { EmulatorHandler } from '../handler.ts';
import type { EmulatorState, EmulatorVm } from '../state.ts';
import type { TaskKind } from '../task-runner.ts';
import { bootGuest } from './guest-boot.ts';
import type { GuestEndpoint } from './guest-endpoint.ts';
import type { GuestCommandRecord } from './guest-state.ts';
import {
  cloneGuestForNewVm,
  createGuestImage,
  type GuestKind,
  guestKindOf,
  hostKeyFingerprint,
  type SimGuest,
} from './guest-state.ts';
import { GuestSshServer } from './ssh-guest-server.ts';

/**
 * Runs the emulated guests of the emulator's VMs. A running VM with a guest
 * kind gets a loopback port at once (its "address"), which refuses
 * connections while the guest boots (after a boot time scaled like task
 * latencies; a Windows clone's first boot takes twice as long, for
 * sysprep's reboot), then serves the guest's sshd until the VM stops. A
 * reboot or a rollback boots the guest again on the same port. A clone gets
 * its source's disk (or a fresh image of the template's OS) and a new host
 * key. `reconcile()` follows the cluster state after every change.
 */

/** Boot times in ms at latency scale 1. */
export const DEFAULT_BOOT_MS: Record<GuestKind, number> = { linux: 20_000, pfsense: 45_000, windows: 60_000 };

export interface GuestManagerOptions {
  /** Same scale as task latencies (tests use 0.001). */
  readonly latencyScale: number;
  readonly bootMs?: Partial<Record<GuestKind, number>>;
  /** The state changed (persist it). */
  readonly changed: () => void;
  /** A client used a guest (an SSH connection came in): the emulator is not idle. */
  readonly used?: () => void;
}

/** A running VM's guest: its port, and its sshd once booted. */
interface Running {
  readonly listener: Server;
  readonly sockets: Set<Socket>;
  timer?: NodeJS.Timeout;
  server?: GuestSshServer;
  /** The guest object the sshd serves: a rollback replaces it, which reboots the guest. */
  guest?: SimGuest;
  /** Why the guest failed to boot (it stays down, refusing, as a guest that hangs in boot). */
  error?: string;
}

export class GuestManager {
  private readonly running = new Map<number, Running>();
  private closed = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly state: EmulatorState,
    private readonly options: GuestManagerOptions,
  ) {}

  /**
   * Hooks the guests into the emulator: a clone carries a guest disk (its
   * source's, or the template OS's image), and a reboot or reset task boots
   * the guest again when its work is done (the VM stays running, the guest
   * goes down and comes back).
   */
  install(emulator: Emulator): void {
    const clone = qemuCloneHandlers.find(
      ([m, t]) => m === 'POST' && t === '/nodes/{node}/qemu/{vmid}/clone',
    )?.[2];
    if (clone) {
      const withDisk: EmulatorHandler = (ctx) => {
        const source = ctx.state.vms[String(ctx.params.vmid)];
        const upid = clone(ctx);
        const target = ctx.state.vms[String(ctx.params.newid)];
        const kind = source ? guestKindOf(source) : undefined;
        if (source && target && !target.guest && kind) {
          target.guest = source.guest
            ? cloneGuestForNewVm(source.guest)
            : createGuestImage(kind, String(target.config.name ?? `vm${target.vmid}`));
          ctx.changed();
        }
        return upid;
      };
      emulator.registerAll([['POST', '/nodes/{node}/qemu/{vmid}/clone', withDisk]]);
    }
    const power = qemuStatusTaskKinds.find((k) => k.name === 'qmpower') as
      | TaskKind<{ vmid: number; action: string }>
      | undefined;
    if (power) {
      // Registered under the same name, so tasks a restarted emulator finishes reboot the guest too.
      const rebooting: TaskKind<{ vmid: number; action: string }> = {
        ...power,
        run: (env, args) => {
          const log = power.run(env, args);
          if (args.action === 'reboot' || args.action === 'reset') this.reboot(args.vmid);
          return log;
        },
      };
      emulator.tasks.register([rebooting]);
    }
  }

  /** The guest of a running VM goes down and boots again (reboot, reset), keeping its port. */
  private reboot(vmid: number): void {
    const vm = this.state.vms[String(vmid)];
    const entry = this.running.get(vmid);
    const kind = vm ? guestKindOf(vm) : undefined;
    if (!vm || !kind || !entry || this.closed) return;
    this.down(entry);
    if (vm.status === 'running') this.scheduleBoot(vm, kind, entry);
  }

  private bootDelay(kind: GuestKind, firstBoot: boolean): number {
    const base = this.options.bootMs?.[kind] ?? DEFAULT_BOOT_MS[kind];
    const ms = kind === 'windows' && firstBoot ? base * 2 : base;
    return Math.max(0, Math.round(ms * this.options.latencyScale));
  }

  /** Starts the guests of running VMs and stops those of stopped or removed ones. */
  reconcile(): void {
    if (this.closed) return;
    for (const vm of Object.values(this.state.vms)) {
      const kind = guestKindOf(vm);
      const entry = this.running.get(vm.vmid);
      const shouldRun = vm.status === 'running' && !vm.config.template && kind !== undefined;
      if (!shouldRun) {
        if (entry) this.halt(vm.vmid);
        continue;
      }
      if (!entry) {
        this.powerOn(vm, kind!);
        continue;
      }
      // The disk was replaced under a running VM (rollback with start): the guest reboots.
      if (entry.guest && entry.guest !== vm.guest) {
        this.down(entry);
        this.scheduleBoot(vm, kind!, entry);
      }
    }
    for (const vmid of [...this.running.keys()]) {
      if (!this.state.vms[String(vmid)]) this.halt(vmid);
    }
  }

  /** A VM was started: its port exists from now on (refusing until the guest's sshd is up). */
  private powerOn(vm: EmulatorVm, kind: GuestKind): void {
    // The disk is there before the first boot, so the host key a client will see is known now.
    if (!vm.guest) {
      vm.guest = createGuestImage(kind, String(vm.config.name ?? `vm${vm.vmid}`));
      this.options.changed();
    }
    const sockets = new Set<Socket>();
    const listener = createServer((socket) => {
      this.options.used?.();
      const server = this.running.get(vm.vmid)?.server;
      if (listener.listening && server) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        server.accept(socket);
      } else {
        // Nothing listens yet inside the guest: the connection is refused (reset), not left hanging.
        socket.resetAndDestroy();
      }
    });
    // Bound before any client can ask (the address is an IP, so no lookup delays the bind past this tick).
    listener.listen(0, '127.0.0.1');
    listener.on('error', (e) => {
      const entry = this.running.get(vm.vmid);
      if (entry?.listener === listener) entry.error = `its loopback port failed: ${e.message}`;
      this.notify();
    });
    const entry: Running = { listener, sockets };
    this.running.set(vm.vmid, entry);
    this.scheduleBoot(vm, kind, entry);
  }

  private scheduleBoot(vm: EmulatorVm, kind: GuestKind, entry: Running): void {
    const firstBoot = !vm.guest || vm.guest.bootCount === 0;
    entry.error = undefined;
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        try {
          this.boot(vm.vmid, kind, entry);
        } catch (e) {
          // A guest that cannot boot stays down and says why; the emulator goes on.
          entry.error = e instanceof Error ? e.message : String(e);
        }
        this.notify();
      },
      this.bootDelay(kind, firstBoot),
    );
  }

  private boot(vmid: number, kind: GuestKind, entry: Running): void {
    const vm = this.state.vms[String(vmid)];
    if (!vm || this.running.get(vmid) !== entry || vm.status !== 'running' || this.closed) return;
    vm.guest ??= createGuestImage(kind, String(vm.config.name ?? `vm${vm.vmid}`));
    bootGuest(vm, vm.guest);
    entry.guest = vm.guest;
    this.options.changed();
    entry.server = new GuestSshServer({
      vm: () => this.state.vms[String(vmid)],
      changed: this.options.changed,
      port: portOf(entry) ?? 0,
    });
  }

  /** The guest goes down: its sshd and connections end; the port stays (the VM still runs). */
  private down(entry: Running): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.server?.stop();
    entry.server = undefined;
    entry.guest = undefined;
    for (const s of entry.sockets) s.destroy();
    entry.sockets.clear();
  }

  /** The VM stopped or is gone: the guest goes down and its port closes. */
  private halt(vmid: number): Promise<void> {
    const entry = this.running.get(vmid);
    if (!entry) return Promise.resolve();
    this.running.delete(vmid);
    this.down(entry);
    return new Promise((resolve) => entry.listener.close(() => resolve()));
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** The guest endpoints of the running VMs (GET /pvecdk-sim/guests). */
  endpoints(): GuestEndpoint[] {
    const out: GuestEndpoint[] = [];
    for (const [vmid, entry] of this.running) {
      const vm = this.state.vms[String(vmid)];
      const port = portOf(entry);
      if (!vm?.guest || port === undefined) continue;
      out.push({
        node: vm.node,
        vmid,
        kind: vm.guest.kind,
        host: '127.0.0.1',
        port,
        hostKeySha256: hostKeyFingerprint(vm.guest.hostKeyPublic),
        state: entry.server ? 'up' : 'booting',
      });
    }
    return out.sort((a, b) => a.vmid - b.vmid);
  }

  /** The guest's command log, newest last (GET /pvecdk-sim/guests/{vmid}/commands); undefined for a VM without a guest. */
  commands(vmid: number): GuestCommandRecord[] | undefined {
    const guest = this.state.vms[String(vmid)]?.guest;
    return guest ? [...(guest.commands ?? [])] : undefined;
  }

  endpoint(vmid: number): GuestEndpoint | undefined {
    return this.endpoints().find((e) => e.vmid === vmid);
  }

  /** Why the VM's guest did not boot, if it failed to. */
  bootError(vmid: number): string | undefined {
    return this.running.get(vmid)?.error;
  }

  /** Resolves when the VM's guest answers SSH (tests); EMULATOR_GUEST when it failed to boot or took too long. */
  waitUntilUp(vmid: number, timeoutMs = 10_000): Promise<GuestEndpoint> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const endpoint = this.endpoint(vmid);
        const error = this.bootError(vmid);
        if (endpoint?.state === 'up') {
          cleanup();
          resolve(endpoint);
        } else if (error) {
          cleanup();
          reject(new EmulatorError('EMULATOR_GUEST', `the guest of VM ${vmid} failed to boot: ${error}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new EmulatorError(
            'EMULATOR_GUEST',
            `the guest of VM ${vmid} did not answer SSH within ${timeoutMs} ms`,
            'is the VM running? GET /pvecdk-sim/guests lists the guests of running VMs',
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Stops every guest and closes their ports (emulator shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.keys()].map((vmid) => this.halt(vmid)));
    this.notify();
  }
}

function portOf(entry: Running): number | undefined {
  const address = entry.listener.address();
  return address && typeof address === 'object' ? address.port : undefined;
}
