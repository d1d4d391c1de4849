import { qemuCloneHandlers } from '../api/qemu-clone.ts';
import { qemuStatusHandlers } from '../api/qemu-status.ts';
import type { SimHandler } from '../handler.ts';
import type { Simulator } from '../simulator.ts';
import type { SimState, SimVm } from '../state.ts';
import type { TaskRunner } from '../task-runner.ts';
import { bootGuest } from './guest-boot.ts';
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
 * Runs the emulated guests of the emulator's VMs: a VM with a guest kind
 * that is running boots (after a boot time scaled like task latencies; a
 * Windows clone's first boot takes twice as long, for sysprep's reboot),
 * then answers SSH on its own loopback port until it stops. A clone gets
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
}

/** A guest's SSH endpoint as GET /pvecdk-sim/guests and `endpoints()` report it. */
export interface GuestEndpoint {
  readonly vmid: number;
  readonly node: string;
  readonly name: string;
  readonly kind: GuestKind;
  /** `booting` (VM running, sshd not up yet), `ready` (answers SSH), `stopped`, `failed` (see `error`). */
  readonly state: 'booting' | 'ready' | 'stopped' | 'failed';
  readonly error?: string;
  readonly host: string;
  /** Set when `ready`. */
  readonly port?: number;
  /** `SHA256:...` as ssh-keygen -lf prints it. */
  readonly hostKeyFingerprint: string;
  /** `ssh-ed25519 AAAA...`: for a known_hosts line. */
  readonly hostKey: string;
}

interface Running {
  timer?: NodeJS.Timeout;
  server?: GuestSshServer;
  /** The guest object the running sshd serves: a rollback replaces it, which reboots the guest. */
  guest?: SimGuest;
  starting?: Promise<void>;
  /** Why the guest failed to boot. */
  error?: string;
}

export class GuestManager {
  private readonly running = new Map<number, Running>();
  private closed = false;
  private readonly readyWaiters = new Set<() => void>();

  constructor(
    private readonly state: SimState,
    private readonly options: GuestManagerOptions,
  ) {}

  /** Wraps the clone handler so a clone carries a guest disk (its source's, or the template OS's image). */
  install(simulator: Simulator): void {
    const original = qemuCloneHandlers.find(
      ([m, t]) => m === 'POST' && t === '/nodes/{node}/qemu/{vmid}/clone',
    )?.[2];
    if (!original) return;
    const wrapped: SimHandler = (ctx) => {
      const source = ctx.vm(ctx.params.vmid);
      const upid = original(ctx);
      const target = ctx.state.vms[String(ctx.params.newid)];
      if (target && !target.guest) {
        const kind = guestKindOf(source);
        if (kind) {
          target.guest = source.guest
            ? cloneGuestForNewVm(source.guest)
            : createGuestImage(kind, String(target.config.name ?? `vm${target.vmid}`));
        }
      }
      return upid;
    };
    simulator.registerAll([['POST', '/nodes/{node}/qemu/{vmid}/clone', wrapped]]);
    // A reboot or reset keeps the VM running, but the guest goes down and boots again when the task's work is done.
    for (const action of ['reboot', 'reset'] as const) {
      const template = `/nodes/{node}/qemu/{vmid}/status/${action}`;
      const power = qemuStatusHandlers.find(([m, t]) => m === 'POST' && t === template)?.[2];
      if (!power) continue;
      const handler: SimHandler = (ctx) => {
        const vmid = Number(ctx.params.vmid);
        const tasks: TaskRunner = Object.assign(Object.create(ctx.tasks) as TaskRunner, {
          start: (...args: Parameters<TaskRunner['start']>) => {
            const [node, type, id, user, latency, work, onFail] = args;
            return ctx.tasks.start(
              node,
              type,
              id,
              user,
              latency,
              () => {
                const log = work();
                this.reboot(vmid);
                return log;
              },
              onFail,
            );
          },
        });
        return power({ ...ctx, tasks });
      };
      simulator.registerAll([['POST', template, handler]]);
    }
  }

  /** The guest of a running VM goes down and boots again (reboot, reset). */
  private reboot(vmid: number): void {
    const vm = this.state.vms[String(vmid)];
    const kind = vm ? guestKindOf(vm) : undefined;
    if (!vm || !kind || this.closed) return;
    this.halt(vmid);
    if (vm.status === 'running') this.schedule(vm, kind);
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
        this.schedule(vm, kind!);
        continue;
      }
      // The disk was replaced under a running VM (rollback with start): the guest reboots.
      if ((entry.server || entry.starting) && entry.guest !== vm.guest) {
        this.halt(vm.vmid);
        this.schedule(vm, kind!);
      }
    }
    for (const vmid of [...this.running.keys()]) {
      if (!this.state.vms[String(vmid)]) this.halt(vmid);
    }
  }

  private schedule(vm: SimVm, kind: GuestKind): void {
    const entry: Running = {};
    this.running.set(vm.vmid, entry);
    const firstBoot = !vm.guest || vm.guest.bootCount === 0;
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        entry.starting = this.boot(vm.vmid, kind, entry).catch((e: unknown) => {
          // A guest that cannot boot stays down and says why; the emulator goes on.
          entry.starting = undefined;
          entry.error = e instanceof Error ? e.message : String(e);
          for (const w of [...this.readyWaiters]) w();
        });
      },
      this.bootDelay(kind, firstBoot),
    );
  }

  private async boot(vmid: number, kind: GuestKind, entry: Running): Promise<void> {
    const vm = this.state.vms[String(vmid)];
    if (!vm || this.running.get(vmid) !== entry || vm.status !== 'running') return;
    vm.guest ??= createGuestImage(kind, String(vm.config.name ?? `vm${vm.vmid}`));
    bootGuest(vm, vm.guest);
    entry.guest = vm.guest;
    const server = new GuestSshServer({
      vm: () => this.state.vms[String(vmid)],
      changed: this.options.changed,
    });
    await server.start();
    if (this.running.get(vmid) !== entry || this.closed) {
      await server.stop();
      return;
    }
    entry.server = server;
    entry.starting = undefined;
    this.options.changed();
    for (const w of [...this.readyWaiters]) w();
  }

  private halt(vmid: number): void {
    const entry = this.running.get(vmid);
    if (!entry) return;
    this.running.delete(vmid);
    if (entry.timer) clearTimeout(entry.timer);
    void entry.server?.stop();
    if (entry.starting) void entry.starting.then(() => entry.server?.stop());
  }

  /** Every VM with a guest: its kind, SSH endpoint when up, and host key. */
  endpoints(): GuestEndpoint[] {
    const out: GuestEndpoint[] = [];
    for (const vm of Object.values(this.state.vms)) {
      if (vm.config.template || !vm.guest) continue;
      const entry = this.running.get(vm.vmid);
      const ready = entry?.server !== undefined && entry.server.port > 0;
      out.push({
        vmid: vm.vmid,
        node: vm.node,
        name: String(vm.config.name ?? ''),
        kind: vm.guest.kind,
        state: ready ? 'ready' : entry?.error ? 'failed' : entry ? 'booting' : 'stopped',
        ...(entry?.error ? { error: entry.error } : {}),
        host: '127.0.0.1',
        ...(ready ? { port: entry!.server!.port } : {}),
        hostKeyFingerprint: hostKeyFingerprint(vm.guest.hostKeyPublic),
        hostKey: vm.guest.hostKeyPublic,
      });
    }
    return out.sort((a, b) => a.vmid - b.vmid);
  }

  endpoint(vmid: number): GuestEndpoint | undefined {
    return this.endpoints().find((e) => e.vmid === vmid);
  }

  /** Resolves when the VM's guest answers SSH (tests and the engine's wait-for-boot). */
  waitUntilReady(vmid: number, timeoutMs = 10_000): Promise<GuestEndpoint> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.endpoint(vmid);
        if (e?.state === 'ready') {
          cleanup();
          resolve(e);
        } else if (e?.state === 'failed') {
          cleanup();
          reject(new Error(`guest of VM ${vmid} failed to boot: ${e.error}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`guest of VM ${vmid} did not answer SSH within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.readyWaiters.delete(check);
      };
      this.readyWaiters.add(check);
      check();
    });
  }

  /** Stops every guest (emulator shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    const stops: Array<Promise<void>> = [];
    for (const [vmid, entry] of this.running) {
      this.running.delete(vmid);
      if (entry.timer) clearTimeout(entry.timer);
      if (entry.server) stops.push(entry.server.stop());
      if (entry.starting) stops.push(entry.starting.then(() => entry.server?.stop()));
    }
    for (const w of [...this.readyWaiters]) w();
    await Promise.all(stops);
  }
}
